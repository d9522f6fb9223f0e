#ifndef PORTHOLE_CONTROLLER_API_CONSOLE_AUTH_TOKENS_H_
#define PORTHOLE_CONTROLLER_API_CONSOLE_AUTH_TOKENS_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "controller/api/json_body.h"
#include "controller/api/request_context.h"

namespace porthole::controller {

// GET /os-console-auth-tokens/{token} (admin): what a console token grants.
//   2.1 - 2.30: always 400 (WebOb's generic text), before the policy check.
//   2.31+: {"console": {"instance_uuid", "host", "port",
//          "internal_access_path"}}; from 2.99 also "tls_port" for
//          spice-direct tokens, and any query parameter is a 400.
// Then policy (403), then 404 "Token not found" for an unknown or expired
// token. The token is hashed at once and never logged.
absl::StatusOr<Json> ShowConsoleAuthToken(const RequestContext& context,
                                          std::string_view token,
                                          const ApiServices& services);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_CONSOLE_AUTH_TOKENS_H_
