#include "controller/sessions/audit_records.h"

#include <string>

#include "nlohmann/json.hpp"

namespace porthole::controller {
namespace {

using Json = nlohmann::ordered_json;

void AddSession(const ConsoleSessionInfo& s, AuditRecord& r) {
  r.fields.emplace_back("session_id", s.id);
  r.fields.emplace_back("server_id", s.server_id);
  r.fields.emplace_back("console_type", s.console_type);
  r.fields.emplace_back("user_id", s.user_id);
  r.fields.emplace_back("project_id", s.project_id);
  r.fields.emplace_back("client_address", s.client_address);
  r.fields.emplace_back("origin", s.origin);
  r.fields.emplace_back("backend", s.backend);
  r.fields.emplace_back("replica", s.replica);
  r.fields.emplace_back("token", s.token_hash.substr(0, 8));
  r.fields.emplace_back("start", AuditTime(s.started));
}

}  // namespace

std::string AuditTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

AuditRecord SessionStartAudit(const ConsoleSessionInfo& session) {
  AuditRecord r{"session-start", {}};
  r.fields.emplace_back("time", AuditTime(session.started));
  AddSession(session, r);
  return r;
}

AuditRecord SessionEndAudit(const ConsoleSessionInfo& session, absl::Time ended,
                            uint64_t bytes_up, uint64_t bytes_down,
                            SessionEnd why) {
  AuditRecord r{"session-end", {}};
  r.fields.emplace_back("time", AuditTime(ended));
  AddSession(session, r);
  r.fields.emplace_back("end", AuditTime(ended));
  r.fields.emplace_back("duration_ms",
                        absl::ToInt64Milliseconds(ended - session.started));
  r.fields.emplace_back("bytes_up", static_cast<int64_t>(bytes_up));
  r.fields.emplace_back("bytes_down", static_cast<int64_t>(bytes_down));
  r.fields.emplace_back("end_reason", std::string(SessionEndName(why)));
  return r;
}

AuditRecord ClientInitRewrittenAudit(const ConsoleSessionInfo& session,
                                     std::string_view policy,
                                     bool asked_exclusive, absl::Time at) {
  AuditRecord r{"client-init-rewritten", {}};
  r.fields.emplace_back("time", AuditTime(at));
  AddSession(session, r);
  r.fields.emplace_back("viewer_sharing", std::string(policy));
  r.fields.emplace_back("asked",
                        std::string(asked_exclusive ? "exclusive" : "shared"));
  r.fields.emplace_back("applied",
                        std::string(asked_exclusive ? "shared" : "exclusive"));
  return r;
}

AuditRecord UrlIssuedAudit(const UrlIssued& issued, absl::Time at) {
  AuditRecord r{"url-issued", {}};
  r.fields.emplace_back("time", AuditTime(at));
  r.fields.emplace_back("server_id", issued.server_id);
  r.fields.emplace_back("console_type", issued.console_type);
  r.fields.emplace_back("user_id", issued.user_id);
  r.fields.emplace_back("project_id", issued.project_id);
  r.fields.emplace_back("client_address", issued.client_address);
  r.fields.emplace_back("request_id", issued.request_id);
  r.fields.emplace_back("expires",
                        AuditTime(absl::FromUnixSeconds(issued.expires)));
  return r;
}

AuditRecord AdmissionRefusedAudit(const AdmissionRefused& refused,
                                  absl::Time at) {
  AuditRecord r{"admission-refused", {}};
  r.fields.emplace_back("time", AuditTime(at));
  r.fields.emplace_back("listener", refused.listener);
  r.fields.emplace_back("reason", refused.reason);
  r.fields.emplace_back("token", refused.token_tag);
  r.fields.emplace_back("client_address", refused.client_address);
  r.fields.emplace_back("origin", refused.origin);
  r.fields.emplace_back("request_id", refused.request_id);
  return r;
}

AuditRecord SessionsEndedByAdminAudit(const SessionsEndedByAdmin& action,
                                      absl::Time at) {
  AuditRecord r{"sessions-ended-by-admin", {}};
  r.fields.emplace_back("time", AuditTime(at));
  r.fields.emplace_back("user_id", action.user_id);
  r.fields.emplace_back("project_id", action.project_id);
  r.fields.emplace_back("client_address", action.client_address);
  r.fields.emplace_back("request_id", action.request_id);
  if (!action.session_id.empty()) {
    r.fields.emplace_back("session_id", action.session_id);
  }
  if (!action.server_id.empty()) {
    r.fields.emplace_back("server_id", action.server_id);
  }
  r.fields.emplace_back("ended", action.ended);
  return r;
}

std::string FormatAuditJsonLine(const AuditRecord& record) {
  Json json = Json::object();
  json["event"] = record.event;
  for (const auto& [key, value] : record.fields) {
    if (const auto* text = std::get_if<std::string>(&value)) {
      json[key] = *text;
    } else {
      json[key] = std::get<int64_t>(value);
    }
  }
  std::string line = json.dump(-1, ' ', false, Json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

}  // namespace porthole::controller
