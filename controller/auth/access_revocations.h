#ifndef PORTHOLE_CONTROLLER_AUTH_ACCESS_REVOCATIONS_H_
#define PORTHOLE_CONTROLLER_AUTH_ACCESS_REVOCATIONS_H_

#include <cstdint>
#include <string>

#include "controller/auth/principal.h"

namespace porthole::controller {

// What Keystone's revocation events may name of the token that issued a
// console URL, beside its user and project. Empty, with issued_at 0, for a
// URL issued under another auth strategy (or stored before these were):
// no event matches it. Stored with the console token; plain data.
struct RevocationKeys {
  std::string audit_id;        // the token's own audit id
  std::string audit_chain_id;  // the first token of its rescope chain
  std::string user_domain_id;
  std::string project_domain_id;
  int64_t issued_at = 0;  // unix seconds
};

// The token that issued a URL, as a revocation check sees it.
struct IssuingToken {
  std::string user_id;
  std::string project_id;
  RevocationKeys keys;
};

inline RevocationKeys RevocationKeysOf(const Principal& principal) {
  return {principal.audit_id, principal.audit_chain_id,
          principal.user_domain_id, principal.project_domain_id,
          principal.issued_at};
}

// Whether the access that issued a URL has been taken back since: its
// token revoked, its user disabled or deleted, its project disabled, ...
// (Keystone's revocation events). The proxy asks before admitting a
// session. Implementations are thread-safe and answer from memory, without
// blocking.
class AccessRevocations {
 public:
  virtual ~AccessRevocations() = default;
  virtual bool IsRevoked(const IssuingToken& token) const = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_AUTH_ACCESS_REVOCATIONS_H_
