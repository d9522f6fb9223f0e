#ifndef PORTHOLE_CONTROLLER_API_CONSOLE_SESSIONS_H_
#define PORTHOLE_CONTROLLER_API_CONSOLE_SESSIONS_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/api/json_body.h"
#include "controller/api/request_context.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_directory.h"

namespace porthole::controller {

// Porthole's admin API for live console sessions, outside Nova's namespace
// (`/porthole/v1`, no microversions), on every replica's sessions (the
// SessionDirectory: this replica's alone without a shared store):
//   GET    /porthole/v1/console-sessions[?server_id=&user_id=]
//   DELETE /porthole/v1/console-sessions/{id}   (204; 202 when another
//          replica was asked and has not confirmed yet; 404 unknown)
//   DELETE /porthole/v1/servers/{id}/console-sessions    (204)
// Each checks its rule (porthole:console_sessions:list / :delete, admin by
// default) against the caller's project: PERMISSION_DENIED (403) else;
// UNAVAILABLE (503) when the shared store cannot be reached. Ends are
// WebSocket close 4001 "ended by administrator".

// {"console_sessions": [...]}, oldest first.
absl::StatusOr<Json> ListConsoleSessions(const RequestContext& context,
                                         const ApiServices& services);
// The HTTP status to answer (204 or 202); NOT_FOUND "Console session <id>
// could not be found."
absl::StatusOr<int> EndConsoleSession(const RequestContext& context,
                                      std::string_view id,
                                      const ApiServices& services);
// OK even when the server has no session here (the call is idempotent).
absl::Status EndServerConsoleSessions(const RequestContext& context,
                                      std::string_view server_id,
                                      const ApiServices& services);

// One session as the API shows it (pure; no token, not even a prefix).
Json ConsoleSessionJson(const ConsoleSessionSnapshot& session);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_CONSOLE_SESSIONS_H_
