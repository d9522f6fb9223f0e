#include "controller/auth/noauth2_authenticator.h"

#include <string>

namespace porthole::controller {

absl::StatusOr<Principal> Noauth2Authenticator::Authenticate(
    std::string_view token) const {
  size_t colon = token.find(':');
  std::string_view user = token.substr(0, colon);
  std::string_view project =
      colon == std::string_view::npos ? user : token.substr(colon + 1);
  if (user.empty()) {
    return absl::UnauthenticatedError("noauth2: empty user in the token");
  }
  if (project.empty()) project = user;  // "user:" as Nova: project = user

  Principal principal;
  principal.user_id = std::string(user);
  principal.project_id = std::string(project);
  principal.roles = WithDefaultImpliedRoles(
      {user == "admin" ? std::string("admin") : std::string("member")});
  return principal;
}

}  // namespace porthole::controller
