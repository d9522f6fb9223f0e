#ifndef PORTHOLE_CONTROLLER_SESSIONS_AUDIT_RECORDS_H_
#define PORTHOLE_CONTROLLER_SESSIONS_AUDIT_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "controller/sessions/audit_log.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_end.h"

namespace porthole::controller {

// The audit records Porthole writes, built from what the API and the proxy
// know, and their JSON-lines form. Pure.

// A session's relay started.
AuditRecord SessionStartAudit(const ConsoleSessionInfo& session);
// A session ended: its start, end, duration, bytes each way and why.
AuditRecord SessionEndAudit(const ConsoleSessionInfo& session, absl::Time ended,
                            uint64_t bytes_up, uint64_t bytes_down,
                            SessionEnd why);

// The proxy changed a VNC client's ClientInit shared-flag under `[vnc]
// viewer_sharing` (`policy`): `asked` and `applied` are "shared" or
// "exclusive". Under "shared" an exclusive request is refused this way:
// the viewer gets its console, shared, and no other viewer is cut off.
AuditRecord ClientInitRewrittenAudit(const ConsoleSessionInfo& session,
                                     std::string_view policy,
                                     bool asked_exclusive, absl::Time at);

// A console URL was issued (the API).
struct UrlIssued {
  std::string server_id;
  std::string console_type;
  std::string user_id;
  std::string project_id;
  std::string client_address;
  std::string request_id;
  int64_t expires = 0;  // unix seconds
};
AuditRecord UrlIssuedAudit(const UrlIssued& issued, absl::Time at);

// An upgrade was refused before the 101 (the proxy).
struct AdmissionRefused {
  std::string listener;   // novnc | spice-html5 | serial
  std::string reason;     // X-Porthole-Error's value
  std::string token_tag;  // hash prefix or "-"
  std::string client_address;
  std::string origin;
  std::string request_id;
};
AuditRecord AdmissionRefusedAudit(const AdmissionRefused& refused,
                                  absl::Time at);

// An admin ended sessions (the admin API): one session by id, or every
// session of a server; `ended` is how many were live on this replica.
struct SessionsEndedByAdmin {
  std::string user_id;  // the admin
  std::string project_id;
  std::string client_address;
  std::string request_id;
  std::string session_id;  // set for DELETE console-sessions/{id}
  std::string server_id;   // set for DELETE servers/{id}/console-sessions
  int64_t ended = 0;
};
AuditRecord SessionsEndedByAdminAudit(const SessionsEndedByAdmin& action,
                                      absl::Time at);

// One JSON object on one line, ending in '\n': {"event":..., fields...}.
// Invalid UTF-8 in a value is replaced, never thrown on.
std::string FormatAuditJsonLine(const AuditRecord& record);

// RFC 3339 UTC with milliseconds: "2026-12-01T04:05:06.789Z".
std::string AuditTime(absl::Time t);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_AUDIT_RECORDS_H_
