#ifndef PORTHOLE_CONTROLLER_FLEET_SERVER_DIRECTORY_H_
#define PORTHOLE_CONTROLLER_FLEET_SERVER_DIRECTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

// A server (Nova's word) is a libvirt domain on one agent's host.
struct Server {
  agent::v1::Domain domain;
  std::string host;            // the agent's name from [agents] hosts
  bool host_connected = true;  // false: the agent or its libvirt is down now
};

// Where every server lives, and the live console of one. The Fleet is the
// real implementation (agents over gRPC); tests and fuzzers use a fake on
// the same inventory (tests/support/static_server_directory.h). Thread-safe.
class ServerDirectory {
 public:
  virtual ~ServerDirectory() = default;

  // Every known server (from the agents' WatchDomains streams), including
  // those of agents that are down now (host_connected = false). Servers of
  // an agent that was never in sync are missing.
  virtual std::vector<Server> List() const = 0;
  // One server by UUID (either case). On a miss, may ask every agent in
  // parallel, bounded by the configured timeout. Errors: NOT_FOUND (the id
  // is not a UUID, or every agent vouched that it has no such server),
  // UNAVAILABLE (an agent that could hold it is down or still syncing; the
  // message names those hosts, so it is for admins and logs only).
  virtual absl::StatusOr<Server> Find(std::string_view uuid) = 0;
  // Asks the server's agent for the live console (GetConsole), bounded by the
  // configured timeout. Errors: NOT_FOUND (the domain is gone),
  // FAILED_PRECONDITION (not running), UNAVAILABLE / DEADLINE_EXCEEDED (agent
  // down or too slow). OK with no console: the domain has none of that kind.
  virtual absl::StatusOr<agent::v1::GetConsoleResponse> GetConsole(
      const Server& server, agent::v1::Protocol protocol,
      const std::string& request_id) = 0;
  // Asks the server's agent for the tail of its console log
  // (TailConsoleLog: at most kMaxConsoleLogBytes, then the last `max_lines`
  // lines; nullopt: all of them), bounded by the configured timeout. Errors:
  // NOT_FOUND (the domain is gone), UNAVAILABLE / DEADLINE_EXCEEDED (agent
  // down or too slow), PERMISSION_DENIED / INTERNAL (the agent cannot read
  // the log). OK with console_available false: the domain has no console
  // log.
  virtual absl::StatusOr<agent::v1::TailConsoleLogResponse> TailConsoleLog(
      const Server& server, std::optional<int64_t> max_lines,
      const std::string& request_id) = 0;
  // When `host`'s agent last confirmed, with a heartbeat on its stream, that
  // this directory holds every libvirt event it had received: a server found
  // after this call is at least that current. InfinitePast when never, or
  // when its stream or its libvirt has been down since.
  virtual absl::Time ConfirmedAt(std::string_view host) const = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_SERVER_DIRECTORY_H_
