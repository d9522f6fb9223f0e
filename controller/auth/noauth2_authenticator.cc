#include "controller/auth/noauth2_authenticator.h"

#include <string>

namespace porthole::controller {

std::optional<Principal> Noauth2Authenticator::Authenticate(
    std::string_view token) const {
  size_t colon = token.find(':');
  std::string_view user = token.substr(0, colon);
  std::string_view project =
      colon == std::string_view::npos ? user : token.substr(colon + 1);
  if (user.empty()) return std::nullopt;
  if (project.empty()) project = user;  // "user:" as Nova: project = user

  Principal principal;
  principal.user_id = std::string(user);
  principal.project_id = std::string(project);
  if (user == "admin") principal.roles.emplace_back("admin");
  principal.roles.emplace_back("member");
  principal.roles.emplace_back("reader");
  return principal;
}

}  // namespace porthole::controller
