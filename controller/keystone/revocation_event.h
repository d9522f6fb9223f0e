#ifndef PORTHOLE_CONTROLLER_KEYSTONE_REVOCATION_EVENT_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_REVOCATION_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/auth/access_revocations.h"

namespace porthole::controller::keystone {

// One of Keystone's revocation events (GET /v3/OS-REVOKE/events): every
// token issued no later than `issued_before` whose attributes equal all the
// attributes the event names is revoked. Keystone records one when a token
// is revoked (audit_id), a rescope chain logs out (audit_chain_id), a user
// is disabled, deleted or changes password (user_id), a project or domain
// is disabled or deleted (project_id, domain_id), a role assignment is
// removed (user_id and project_id). Plain data.
struct RevocationEvent {
  std::optional<std::string> user_id;
  std::optional<std::string> project_id;
  std::optional<std::string> domain_id;        // the user's or the project's
  std::optional<std::string> domain_scope_id;  // the project's
  std::optional<std::string> audit_id;
  std::optional<std::string> audit_chain_id;
  // The event also names a role, trust, OAuth consumer or access token, or
  // an expiry: attributes Porthole does not keep of an issuing token (role
  // ids, trusts, OAuth). It matches none of them.
  bool names_unkept_attribute = false;
  int64_t issued_before = 0;  // unix seconds

  bool operator==(const RevocationEvent&) const = default;
};

// The events of a `{"events": [...]}` body. An event without a valid
// issued_before is skipped; INVALID_ARGUMENT when the body is not such an
// object. Pure.
absl::StatusOr<std::vector<RevocationEvent>> ParseRevocationEvents(
    std::string_view body);

// Whether `event` revokes `token`, as Keystone decides it: the token was
// issued at or before issued_before (Keystone's times have whole seconds)
// and every attribute the event names equals the token's. A token with no
// issue time (not issued through Keystone) is never revoked. Pure.
bool Revokes(const RevocationEvent& event, const IssuingToken& token);

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_REVOCATION_EVENT_H_
