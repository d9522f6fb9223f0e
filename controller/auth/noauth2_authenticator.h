#ifndef PORTHOLE_CONTROLLER_AUTH_NOAUTH2_AUTHENTICATOR_H_
#define PORTHOLE_CONTROLLER_AUTH_NOAUTH2_AUTHENTICATOR_H_

#include <string_view>

#include "controller/auth/authenticator.h"

namespace porthole::controller {

// Nova's `noauth2` strategy, for development and tests only: the token IS
// the identity. `user:project` -> user_id=user, project_id=project; a token
// without ':' uses the user as project. User `admin` gets the roles admin,
// member and reader; everyone else member and reader (Keystone's implied
// roles, listed as a Keystone token lists them). An empty token or an empty
// user is UNAUTHENTICATED. Stateless; thread-safe.
class Noauth2Authenticator : public Authenticator {
 public:
  absl::StatusOr<Principal> Authenticate(std::string_view token) const override;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_AUTH_NOAUTH2_AUTHENTICATOR_H_
