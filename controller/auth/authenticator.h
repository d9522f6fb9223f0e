#ifndef PORTHOLE_CONTROLLER_AUTH_AUTHENTICATOR_H_
#define PORTHOLE_CONTROLLER_AUTH_AUTHENTICATOR_H_

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace porthole::controller {

// Who is calling, as keystonemiddleware would tell Nova.
struct Principal {
  std::string user_id;
  std::string project_id;
  std::vector<std::string> roles;

  bool HasRole(std::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
  bool is_admin() const { return HasRole("admin"); }
};

// Turns an X-Auth-Token into a Principal, or nullopt (-> 401). Two
// implementations: noauth2 (development) and a tokens file. Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::optional<Principal> Authenticate(
      std::string_view token) const = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_AUTH_AUTHENTICATOR_H_
