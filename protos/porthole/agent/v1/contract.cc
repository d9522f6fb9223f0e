#include "porthole/agent/v1/contract.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace porthole::agent::v1 {

bool IsActive(DomainState state) {
  return state == DOMAIN_STATE_RUNNING || state == DOMAIN_STATE_BLOCKED ||
         state == DOMAIN_STATE_PAUSED || state == DOMAIN_STATE_SHUTDOWN ||
         state == DOMAIN_STATE_PMSUSPENDED;
}

bool ServesConsoles(DomainState state) {
  return state == DOMAIN_STATE_RUNNING || state == DOMAIN_STATE_BLOCKED ||
         state == DOMAIN_STATE_PAUSED;
}

absl::StatusOr<GetConsoleResponse> AnswerGetConsole(Domain domain,
                                                    Protocol protocol) {
  if (protocol == PROTOCOL_UNSPECIFIED) {
    return absl::InvalidArgumentError("protocol is required");
  }
  if (!ServesConsoles(domain.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("domain ", domain.uuid(), " is not running (",
                     DomainState_Name(domain.state()), ")"));
  }
  GetConsoleResponse response;
  for (const Console& console : domain.consoles()) {
    if (console.protocol() == protocol) {
      *response.mutable_console() = console;
      break;
    }
  }
  *response.mutable_domain() = std::move(domain);
  return response;
}

std::string_view TailLines(std::string_view log,
                           std::optional<int64_t> max_lines) {
  if (!max_lines.has_value() || *max_lines < 0) return log;
  if (*max_lines == 0) return {};
  // The last N pieces start after the N-th '\n' from the end.
  size_t end = log.size();
  for (int64_t found = 0; found < *max_lines; ++found) {
    if (end == 0) return log;
    const size_t newline = log.rfind('\n', end - 1);
    if (newline == std::string_view::npos) return log;
    end = newline;
  }
  return log.substr(end + 1);
}

}  // namespace porthole::agent::v1
