#include "controller/api/remote_consoles.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "controller/api/console_output.h"
#include "controller/api/nova_error.h"
#include "controller/api/policy.h"
#include "controller/api/request_schema.h"
#include "controller/api/server_lookup.h"
#include "controller/sessions/audit_records.h"

namespace porthole::controller {
namespace {

constexpr ApiVersion kRemoteConsolesMin{2, 6};
constexpr ApiVersion kLegacyActionsMax{2, 5};

absl::Status ResourceNotFound() {
  return absl::NotFoundError(kResourceNotFoundText);
}

// Asks the server's agent for the live console and issues a token for it.
absl::StatusOr<std::string> IssueConsoleUrl(const RequestContext& context,
                                            const Server& server,
                                            std::string_view protocol,
                                            std::string_view type,
                                            const ApiServices& services) {
  absl::StatusOr<ConsoleKind> kind =
      ResolveConsole(protocol, type, services.config.consoles);
  if (!kind.ok()) return kind.status();
  const std::string& uuid = server.domain.uuid();
  if (!server.host_connected) return HostUnreachable(context, server);

  absl::StatusOr<agent::v1::GetConsoleResponse> answer =
      services.servers.GetConsole(server, kind->protocol, context.request_id);
  if (!answer.ok()) {
    LogWarning("api", "GetConsole failed ",
               LogField("request_id", context.request_id), " ",
               LogField("instance", uuid), " ",
               LogField("compute_host", server.host), " ",
               LogField("error", answer.status().ToString()));
    switch (answer.status().code()) {
      case absl::StatusCode::kNotFound:
        return absl::NotFoundError(
            absl::StrCat("Instance ", uuid, " could not be found."));
      case absl::StatusCode::kFailedPrecondition:
        return absl::FailedPreconditionError(
            absl::StrCat("Instance ", uuid, " is not ready"));
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kDeadlineExceeded:
        return HostUnreachable(context, server);
      default:
        return absl::InternalError("GetConsole failed");
    }
  }

  absl::StatusOr<std::string> url = services.issuer.Issue(
      server, *kind, *answer,
      {context.principal.user_id, context.principal.project_id,
       RevocationKeysOf(context.principal)});
  if (!url.ok()) {
    if (absl::IsInvalidArgument(url.status())) return url.status();
    LogError("api", "cannot store a console token ",
             LogField("request_id", context.request_id), " ",
             LogField("error", url.status().ToString()));
    if (absl::IsUnavailable(url.status())) return TokenStoreUnavailable();
    return absl::InternalError("cannot store a console token");
  }
  if (services.audit != nullptr) {
    services.audit->Write(UrlIssuedAudit(
        {uuid, kind->type, context.principal.user_id,
         context.principal.project_id,
         context.request.peer.empty() ? "-" : context.request.peer,
         context.request_id,
         services.issuer.Now() + services.issuer.options().token_ttl_seconds},
        absl::Now()));
  }
  // Never the URL: it carries the token.
  LogInfo("api", "console issued ", LogField("request_id", context.request_id),
          " ", LogField("instance", uuid), " ", LogField("type", kind->type),
          " ", LogField("compute_host", server.host), " ",
          LogField("user", context.principal.user_id));
  return url;
}

}  // namespace

absl::StatusOr<ServerActionRequest> PeekServerAction(std::string_view body) {
  std::optional<Json> parsed = ParseJsonBody(body);
  if (!parsed.has_value() || !parsed->is_object() || parsed->size() != 1) {
    return absl::InvalidArgumentError("Malformed request body");
  }
  const std::string& key = parsed->begin().key();
  if (key == kConsoleOutputAction) {
    return ServerActionRequest{nullptr, true, *std::move(parsed)};
  }
  const LegacyConsoleAction* action = FindLegacyConsoleAction(key);
  if (action == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("There is no such action: ", key));
  }
  return ServerActionRequest{action, false, *std::move(parsed)};
}

absl::StatusOr<Json> RunConsoleAction(const RequestContext& context,
                                      const ServerActionRequest& request,
                                      std::string_view server_id,
                                      const ApiServices& services) {
  const LegacyConsoleAction& action = *request.action;
  if (context.version > kLegacyActionsMax) return ResourceNotFound();
  if (!action.has_schema) {
    // os-getRDPConsole: removed in 29.0.0; Porthole's choice 3.
    return absl::InvalidArgumentError("Unavailable console type rdp-html5.");
  }
  if (std::optional<std::string> invalid = ValidateConsoleRequest(
          request.body, action.name, {{"type", action.type_enum}})) {
    return absl::InvalidArgumentError(*invalid);
  }
  // The legacy actions check the policy against the caller's own project,
  // before the lookup.
  absl::Status allowed =
      Authorize(context, kRemoteConsolesPolicy, CallerTarget(context));
  if (!allowed.ok()) return allowed;
  absl::StatusOr<Server> server =
      FindVisibleServer(context, server_id, services);
  if (!server.ok()) return server.status();

  const std::string type = request.body.begin()->at("type").get<std::string>();
  absl::StatusOr<std::string> url =
      IssueConsoleUrl(context, *server, action.protocol, type, services);
  if (!url.ok()) return url.status();
  Json console;
  console["type"] = type;
  console["url"] = *std::move(url);
  Json response;
  response["console"] = std::move(console);
  return response;
}

absl::StatusOr<Json> CreateRemoteConsole(const RequestContext& context,
                                         const Json& body,
                                         std::string_view server_id,
                                         const ApiServices& services) {
  if (context.version < kRemoteConsolesMin) return ResourceNotFound();
  const int minor = context.version.major == 2 ? context.version.minor : 0;
  if (std::optional<std::string> invalid = ValidateConsoleRequest(
          body, "remote_console",
          {{"protocol", RemoteConsoleProtocolEnum(minor)},
           {"type", RemoteConsoleTypeEnum(minor)}})) {
    return absl::InvalidArgumentError(*invalid);
  }
  absl::StatusOr<Server> server =
      FindAuthorizedServer(context, server_id, kRemoteConsolesPolicy, services);
  if (!server.ok()) return server.status();

  const Json& request = body.at("remote_console");
  const std::string protocol = request.at("protocol").get<std::string>();
  const std::string type = request.at("type").get<std::string>();
  absl::StatusOr<std::string> url =
      IssueConsoleUrl(context, *server, protocol, type, services);
  if (!url.ok()) return url.status();
  Json console;
  console["protocol"] = protocol;
  console["type"] = type;
  console["url"] = *std::move(url);
  Json response;
  response["remote_console"] = std::move(console);
  return response;
}

}  // namespace porthole::controller
