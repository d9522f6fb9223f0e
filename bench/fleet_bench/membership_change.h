#ifndef PORTHOLE_BENCH_FLEET_BENCH_MEMBERSHIP_CHANGE_H_
#define PORTHOLE_BENCH_FLEET_BENCH_MEMBERSHIP_CHANGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/fleet/fleet.h"

namespace porthole::bench {

// What one replica's Fleet pays when the replicas change, as the scale-out
// shards hosts (controller/fleet/host_assignment.h): replica r1 follows its
// hosts among {r1, r2, r3}; r3 dies, so r1 SetAgents its share among
// {r1, r2}; then r3 comes back and r1 returns to its first share.
struct MembershipChangeFigures {
  size_t followed_of_three = 0;  // r1's share among {r1, r2, r3}
  size_t followed_of_two = 0;    // r1's share among {r1, r2}
  size_t kept = 0;  // of the first share, still r1's: never restarted
  // r3 leaves: hosts r1 takes over, until every one is in sync.
  size_t moved_in = 0;
  double settle_seconds = 0;
  double settle_cpu_seconds = 0;
  // r3 joins again: hosts r1 drops, until SetAgents has stopped them.
  size_t dropped = 0;
  double stop_seconds = 0;
  double stop_cpu_seconds = 0;
};

// True when every named agent is in sync (its snapshot applied).
bool AllInSync(const controller::Fleet& fleet,
               const std::vector<std::string>& names);

// Runs the change above against the agents of `options` (every simulated
// host), with a Fleet of its own. Errors: DEADLINE_EXCEEDED when a share
// is not in sync within `deadline_seconds`, or the Fleet's Start error.
absl::StatusOr<MembershipChangeFigures> MeasureMembershipChange(
    const controller::FleetOptions& options, int deadline_seconds);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_FLEET_BENCH_MEMBERSHIP_CHANGE_H_
