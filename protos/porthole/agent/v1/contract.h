#ifndef PORTHOLE_PROTOS_PORTHOLE_AGENT_V1_CONTRACT_H_
#define PORTHOLE_PROTOS_PORTHOLE_AGENT_V1_CONTRACT_H_

// The rules of the agent contract that are code rather than messages, kept
// once beside agent.proto: the agent's service answers by them, the
// controller's fleet reads its inventory by them, and the test fakes call
// them instead of copying them. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::agent::v1 {

// The gRPC metadata key a client sets to its request id; the agent writes it
// into every log line of that call. Nova's header name, lowercase (gRPC
// metadata keys are).
inline constexpr char kRequestIdMetadataKey[] = "x-openstack-request-id";

// True while the domain has a QEMU process: running, blocked, paused, being
// shut down or suspended to memory. A server that goes from active to not
// active has stopped (its console tokens are revoked); when two hosts report
// the same server (a migration), the active copy is the real one.
bool IsActive(DomainState state);

// True when the domain's console listeners answer: running, blocked or
// paused. GetConsole refuses every other state with FAILED_PRECONDITION.
bool ServesConsoles(DomainState state);

// GetConsole's answer for `domain` as just read: INVALID_ARGUMENT when
// `protocol` is unspecified, FAILED_PRECONDITION unless the domain serves
// consoles, else OK with the domain and its first console of that protocol
// (unset when it has none).
absl::StatusOr<GetConsoleResponse> AnswerGetConsole(Domain domain,
                                                    Protocol protocol);

// The most bytes TailConsoleLog reads from the end of a console log: Nova's
// MAX_CONSOLE_BYTES.
inline constexpr uint64_t kMaxConsoleLogBytes = 100 * 1024;

// TailConsoleLog's line rule, Nova's _tail_log on bytes: nullopt or a
// negative count keeps `log` whole, 0 keeps nothing, N keeps the last N
// pieces of `log` split at '\n' (so a log that ends in '\n' has an empty
// last piece, and N = 1 gives ""). A view into `log`.
std::string_view TailLines(std::string_view log,
                           std::optional<int64_t> max_lines);

}  // namespace porthole::agent::v1

#endif  // PORTHOLE_PROTOS_PORTHOLE_AGENT_V1_CONTRACT_H_
