#include "controller/api/server_lookup.h"

#include <cctype>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controller/api/policy.h"

namespace porthole::controller {

bool LooksLikeUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<Server> FindVisibleServer(const RequestContext& context,
                                         std::string_view id,
                                         const ApiServices& services) {
  auto not_found = [&] {
    return absl::NotFoundError(
        absl::StrCat("Instance ", std::string(id), " could not be found."));
  };
  if (!LooksLikeUuid(id)) return not_found();
  std::string uuid(id);
  for (char& c : uuid) c = static_cast<char>(std::tolower(c));
  std::optional<Server> server = services.servers.Find(uuid);
  if (!server.has_value() ||
      !CanSee(context.principal, *server, services.config.default_project_id)) {
    return not_found();
  }
  return *std::move(server);
}

}  // namespace porthole::controller
