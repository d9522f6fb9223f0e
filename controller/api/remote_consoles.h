#ifndef PORTHOLE_CONTROLLER_API_REMOTE_CONSOLES_H_
#define PORTHOLE_CONTROLLER_API_REMOTE_CONSOLES_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "controller/api/json_body.h"
#include "controller/api/request_context.h"
#include "controller/consoles/console_types.h"

namespace porthole::controller {

// The console routes:
//   POST /servers/{id}/remote-consoles (2.6+)
//     {"remote_console": {"protocol": P, "type": T}}
//     -> {"remote_console": {"protocol": P, "type": T, "url": U}}
//   POST /servers/{id}/action with a legacy console action (2.1 - 2.5)
//     {"os-getVNCConsole": {"type": T}} -> {"console": {"type": T, "url": U}}
// Errors are absl::Status with Nova's exact messages; FaultFromStatus turns
// them into HTTP.

// A /action body as Nova's dispatcher sees it before anything else runs:
// a legacy console action, or os-getConsoleOutput (`action` null).
struct ServerActionRequest {
  const LegacyConsoleAction* action = nullptr;
  bool console_output = false;
  Json body;
};

// INVALID_ARGUMENT "Malformed request body" unless `body` is a JSON object
// with exactly one key (also for invalid or too deeply nested JSON);
// "There is no such action: <key>" when that key is neither a console
// action nor os-getConsoleOutput.
absl::StatusOr<ServerActionRequest> PeekServerAction(std::string_view body);

// Check order (Nova's): microversion (404 from 2.6), schema (400), policy
// against the caller's own project (403), lookup (404), console table
// (400), agent (404/409/503), issue.
absl::StatusOr<Json> RunConsoleAction(const RequestContext& context,
                                      const ServerActionRequest& request,
                                      std::string_view server_id,
                                      const ApiServices& services);

// Check order (Nova's): microversion (404 below 2.6), schema of that
// microversion (400), lookup (404, also for another project's server),
// policy against the server's project (403), console table (400), agent
// (404/409/503), issue. `body` is null for an empty request body.
absl::StatusOr<Json> CreateRemoteConsole(const RequestContext& context,
                                         const Json& body,
                                         std::string_view server_id,
                                         const ApiServices& services);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_REMOTE_CONSOLES_H_
