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

}  // namespace porthole::agent::v1
