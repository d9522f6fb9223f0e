#include "controller/api/console_sessions.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/url_encoding.h"
#include "controller/api/policy.h"
#include "controller/policy/nova_policy_defaults.h"
#include "controller/sessions/audit_records.h"

namespace porthole::controller {
namespace {

// Who ended what: the audit record of an admin's DELETE.
void AuditAdminEnd(const RequestContext& context, const ApiServices& services,
                   std::string session_id, std::string server_id,
                   size_t ended) {
  if (services.audit == nullptr) return;
  services.audit->Write(SessionsEndedByAdminAudit(
      {context.principal.user_id, context.principal.project_id,
       context.request.peer.empty() ? "-" : context.request.peer,
       context.request_id, std::move(session_id), std::move(server_id),
       static_cast<int64_t>(ended)},
      absl::Now()));
}

absl::Status DirectoryUnavailable(const absl::Status& cause,
                                  const RequestContext& context) {
  LogError("api", "console session directory unavailable ",
           LogField("request_id", context.request_id), " ",
           LogField("error", cause.ToString()));
  return absl::UnavailableError(
      "The console session directory is unavailable. Please try again "
      "later.");
}

}  // namespace

Json ConsoleSessionJson(const ConsoleSessionSnapshot& session) {
  const ConsoleSessionInfo& s = session.info;
  Json json;
  json["id"] = s.id;
  json["server_id"] = s.server_id;
  json["console_type"] = s.console_type;
  json["user_id"] = s.user_id;
  json["project_id"] = s.project_id;
  json["client_address"] = s.client_address;
  json["origin"] = s.origin;
  json["backend"] = s.backend;
  json["replica"] = s.replica;
  json["started_at"] = AuditTime(s.started);
  json["bytes_up"] = session.bytes_up;
  json["bytes_down"] = session.bytes_down;
  return json;
}

absl::StatusOr<Json> ListConsoleSessions(const RequestContext& context,
                                         const ApiServices& services) {
  absl::Status allowed =
      Authorize(context, kConsoleSessionsListPolicy, CallerTarget(context));
  if (!allowed.ok()) return allowed;
  ConsoleSessionFilter filter;
  for (const QueryParam& param : ParseQueryString(context.target.query)) {
    if (param.key == "server_id") filter.server_id = param.value;
    if (param.key == "user_id") filter.user_id = param.value;
  }
  Json list = Json::array();
  if (services.sessions != nullptr) {
    absl::StatusOr<std::vector<ConsoleSessionSnapshot>> sessions =
        services.sessions->List(filter);
    if (!sessions.ok()) return DirectoryUnavailable(sessions.status(), context);
    for (const ConsoleSessionSnapshot& s : *sessions) {
      list.push_back(ConsoleSessionJson(s));
    }
  }
  Json body;
  body["console_sessions"] = std::move(list);
  return body;
}

absl::StatusOr<int> EndConsoleSession(const RequestContext& context,
                                      std::string_view id,
                                      const ApiServices& services) {
  absl::Status allowed =
      Authorize(context, kConsoleSessionsDeletePolicy, CallerTarget(context));
  if (!allowed.ok()) return allowed;
  const std::string session(id);
  using Outcome = SessionDirectory::EndOutcome;
  absl::StatusOr<Outcome> outcome = Outcome::kNotFound;
  if (services.sessions != nullptr) {
    outcome = services.sessions->End(session, SessionEnd::kEndedByAdmin);
  }
  if (!outcome.ok()) return DirectoryUnavailable(outcome.status(), context);
  if (*outcome == Outcome::kNotFound) {
    return absl::NotFoundError(
        absl::StrCat("Console session ", session, " could not be found."));
  }
  AuditAdminEnd(context, services, session, "", 1);
  LogInfo("api", "console session ended by admin ",
          LogField("request_id", context.request_id), " ",
          LogField("session", session), " ",
          LogField("confirmed", *outcome == Outcome::kEnded ? "yes" : "no"),
          " ", LogField("user", context.principal.user_id));
  return *outcome == Outcome::kEnded ? 204 : 202;
}

absl::Status EndServerConsoleSessions(const RequestContext& context,
                                      std::string_view server_id,
                                      const ApiServices& services) {
  absl::Status allowed =
      Authorize(context, kConsoleSessionsDeletePolicy, CallerTarget(context));
  if (!allowed.ok()) return allowed;
  const std::string server(server_id);
  size_t ended = 0;
  if (services.sessions != nullptr) {
    absl::StatusOr<size_t> done =
        services.sessions->EndForServer(server, SessionEnd::kEndedByAdmin);
    if (!done.ok()) return DirectoryUnavailable(done.status(), context);
    ended = *done;
  }
  AuditAdminEnd(context, services, "", server, ended);
  LogInfo("api", "console sessions of a server ended by admin ",
          LogField("request_id", context.request_id), " ",
          LogField("server", server), " ",
          LogField("sessions", std::to_string(ended)), " ",
          LogField("user", context.principal.user_id));
  return absl::OkStatus();
}

}  // namespace porthole::controller
