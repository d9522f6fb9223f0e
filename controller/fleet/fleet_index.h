#ifndef PORTHOLE_CONTROLLER_FLEET_FLEET_INDEX_H_
#define PORTHOLE_CONTROLLER_FLEET_FLEET_INDEX_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/fleet/server_directory.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

// Where controller replicas that split the hosts among themselves tell each
// other what their hosts hold: each replica publishes what the agents it
// follows report, and reads everyone's. A server found here is as current
// as its owner's last write (milliseconds behind the agent); its consoles
// are not here (GetConsole asks the agent). The implementation on etcd is
// controller/cluster/etcd_fleet_index.h. Thread-safe.
class FleetIndex {
 public:
  virtual ~FleetIndex() = default;

  // What `host`'s agent said on its watch stream (HEARTBEATs may be
  // skipped), from the replica that follows it. Returns at once; the writes
  // happen in the background, only where the index differs.
  virtual void Publish(const std::string& host,
                       const agent::v1::WatchDomainsResponse& message) = 0;
  // `host`'s stream ended: its servers stay, marked not connected.
  virtual void PublishHostDown(const std::string& host) = 0;

  // The server with that uuid (lowercase), from this replica's copy.
  virtual std::optional<Server> Find(std::string_view uuid) const = 0;
  // The same, read from the shared store now (a write made an instant ago
  // by another replica is seen). UNAVAILABLE when the store cannot be read.
  virtual absl::StatusOr<std::optional<Server>> Read(std::string_view uuid) = 0;
  virtual std::vector<Server> List() const = 0;
  // The hosts of `hosts` that no replica reports in sync: a server on them
  // may be missing from the index.
  virtual std::vector<std::string> NotInSync(
      const std::vector<std::string>& hosts) const = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_FLEET_INDEX_H_
