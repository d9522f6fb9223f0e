#include "controller/api/server_lookup.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/text.h"
#include "common/uuid.h"
#include "controller/api/policy.h"

namespace porthole::controller {

absl::StatusOr<Server> FindVisibleServer(const RequestContext& context,
                                         std::string_view id,
                                         const ApiServices& services) {
  auto not_found = [&] {
    return absl::NotFoundError(
        absl::StrCat("Instance ", ToAbsl(id), " could not be found."));
  };
  if (!LooksLikeUuid(id)) return not_found();
  const std::string uuid = AsciiLower(id);
  absl::StatusOr<Server> server = services.servers.Find(uuid);
  if (absl::IsUnavailable(server.status())) {
    LogWarning("api", "server lookup incomplete ",
               LogField("request_id", context.request_id), " ",
               LogField("instance", uuid), " ",
               LogField("error", ToStd(server.status().message())));
    // Compute host names are admin-only in Nova (OS-EXT-SRV-ATTR:host).
    if (context.credentials.is_admin) {
      return absl::UnavailableError(
          absl::StrCat("Instance ", uuid, " cannot be looked up now: ",
                       server.status().message(), "; try again later."));
    }
    return absl::UnavailableError(
        absl::StrCat("Instance ", uuid,
                     " cannot be looked up now: a compute host is "
                     "unreachable; try again later."));
  }
  if (!server.ok() ||
      !CanSee(context, *server, services.config.default_project_id)) {
    return not_found();
  }
  return *std::move(server);
}

absl::StatusOr<Server> FindAuthorizedServer(const RequestContext& context,
                                            std::string_view id,
                                            std::string_view rule,
                                            const ApiServices& services) {
  absl::StatusOr<Server> server = FindVisibleServer(context, id, services);
  if (!server.ok()) return server;
  absl::Status allowed = Authorize(
      context, rule, ServerTarget(*server, services.config.default_project_id));
  if (!allowed.ok()) return allowed;
  return server;
}

absl::Status HostUnreachable(const RequestContext& context,
                             const Server& server) {
  // Compute host names are admin-only in Nova (OS-EXT-SRV-ATTR:host).
  if (context.credentials.is_admin) {
    return absl::UnavailableError(absl::StrCat(
        "Compute host ", server.host, " is unreachable; try again later."));
  }
  return absl::UnavailableError(
      absl::StrCat("The compute host of instance ", server.domain.uuid(),
                   " is unreachable; try again later."));
}

}  // namespace porthole::controller
