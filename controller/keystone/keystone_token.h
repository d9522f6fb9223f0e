#ifndef PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_TOKEN_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_TOKEN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/auth/principal.h"

namespace porthole::controller::keystone {

// One identity endpoint of a Keystone catalog.
struct CatalogEndpoint {
  std::string interface;  // public | internal | admin
  std::string region_id;
  std::string url;
};

// What Porthole reads from a Keystone v3 token body ({"token": {...}}, the
// answer to POST or GET /v3/auth/tokens): who it is, scope, roles (implied
// ones included: Keystone expands them), expiry, and the identity
// endpoints of the catalog when the body has one; its audit ids and issue
// time, which revocation events name.
struct KeystoneToken {
  Principal principal;
  std::vector<CatalogEndpoint> identity_endpoints;
};

// Parses a token body. INVALID_ARGUMENT when it is not JSON, has no
// token.user.id, or an expires_at or issued_at that is not ISO 8601 UTC
// ("2026-11-23T10:10:23.000000Z"). Pure; thread-safe.
absl::StatusOr<KeystoneToken> ParseKeystoneToken(std::string_view body);

// Unix seconds of a Keystone timestamp, e.g. "2026-11-23T10:10:23.000000Z"
// (fractions dropped). INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> ParseKeystoneTime(std::string_view text);

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_TOKEN_H_
