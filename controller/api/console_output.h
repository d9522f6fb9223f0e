#ifndef PORTHOLE_CONTROLLER_API_CONSOLE_OUTPUT_H_
#define PORTHOLE_CONTROLLER_API_CONSOLE_OUTPUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/api/json_body.h"
#include "controller/api/request_context.h"

namespace porthole::controller {

// POST /servers/{id}/action {"os-getConsoleOutput": {"length": N}} at every
// microversion (and on /v2): the tail of the server's serial console log,
// {"output": "..."}, read by its agent (ServerDirectory::TailConsoleLog).
// The request schema is the same at every microversion, as in Nova.

inline constexpr char kConsoleOutputAction[] = "os-getConsoleOutput";

// The body's `length` as a line count: nullopt for every line read (length
// absent, null or -1), else N >= 0. INVALID_ARGUMENT with jsonschema's first
// message for Nova's schema: the action's value an object with no key but
// `length`; `length` an integer >= -1 (a JSON float is not one: Draft 4), a
// string matching ^-?[0-9]+$ (Python's `$` also matches before one final
// '\n'), or null. Porthole's choices where Nova has quirks: -1 means "every
// line" as Nova documents (Nova's tail then drops the first line), and a
// string below "-1" is refused like the integer (Nova's schema applies
// `minimum` only to numbers, and its tail then drops the first |N| lines).
// A count beyond int64 is every line.
absl::StatusOr<std::optional<int64_t>> ConsoleOutputLength(const Json& body);

// The log's bytes as Nova returns them: each byte above 0x7F becomes U+FFFD
// (Nova decodes as ASCII with "replace"), and the control bytes 0x00-0x08
// and 0x0B-0x1F are removed (so '\t' and '\n' stay, '\r' goes). Valid UTF-8.
std::string CleanConsoleOutput(std::string_view bytes);

// Check order (Nova's): schema (400), lookup (404, also for another
// project's server), policy os_compute_api:os-console-output against the
// server's project (403), agent: 404 "Instance <id> could not be found."
// when the domain is gone, 404 "Guest does not have a console available."
// when it has no console log, 503 when its host is unreachable, 500 when
// the agent cannot read the log. A log that does not exist yet is "".
absl::StatusOr<Json> GetConsoleOutput(const RequestContext& context,
                                      const Json& body,
                                      std::string_view server_id,
                                      const ApiServices& services);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_CONSOLE_OUTPUT_H_
