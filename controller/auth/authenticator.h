#ifndef PORTHOLE_CONTROLLER_AUTH_AUTHENTICATOR_H_
#define PORTHOLE_CONTROLLER_AUTH_AUTHENTICATOR_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "controller/auth/principal.h"

namespace porthole::controller {

// Turns an X-Auth-Token into a Principal. Three implementations: noauth2
// (development), a tokens file, and Keystone (controller/keystone/).
// Authenticate runs on the API's worker threads (controller/http/ runs every
// handler on its pool, never on the I/O thread), so an implementation may
// block on the network within its own bounded timeouts. Errors:
//   UNAUTHENTICATED  the token is not valid (missing, unknown, expired,
//                    revoked): the API answers keystonemiddleware's 401;
//   UNAVAILABLE      it cannot be checked now (Keystone unreachable, 5xx,
//                    Porthole's own service credentials refused): 503;
//   anything else    a 500, its message only in the log.
// Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual absl::StatusOr<Principal> Authenticate(
      std::string_view token) const = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_AUTH_AUTHENTICATOR_H_
