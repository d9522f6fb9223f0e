#include "bench/fleet_bench/membership_change.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/bench_support.h"
#include "controller/fleet/host_assignment.h"
#include "tests/support/child_process.h"

namespace porthole::bench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<controller::AgentEndpoint> EndpointsOf(
    const std::vector<std::string>& names,
    const std::map<std::string, controller::AgentEndpoint>& all) {
  std::vector<controller::AgentEndpoint> endpoints;
  endpoints.reserve(names.size());
  for (const std::string& name : names) endpoints.push_back(all.at(name));
  return endpoints;
}

size_t CountMissing(const std::vector<std::string>& of,
                    const std::set<std::string>& in) {
  size_t missing = 0;
  for (const std::string& name : of) missing += in.contains(name) ? 0 : 1;
  return missing;
}

}  // namespace

bool AllInSync(const controller::Fleet& fleet,
               const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!fleet.AgentConnected(name)) return false;
  }
  return true;
}

absl::StatusOr<MembershipChangeFigures> MeasureMembershipChange(
    const controller::FleetOptions& options, int deadline_seconds) {
  std::map<std::string, controller::AgentEndpoint> all;
  std::vector<std::string> hosts;
  for (const controller::AgentEndpoint& agent : options.agents) {
    all.emplace(agent.name, agent);
    hosts.push_back(agent.name);
  }
  const std::vector<std::string> of_three =
      controller::HostsOwnedBy("r1", hosts, {"r1", "r2", "r3"});
  const std::vector<std::string> of_two =
      controller::HostsOwnedBy("r1", hosts, {"r1", "r2"});
  const std::set<std::string> three_set(of_three.begin(), of_three.end());
  const std::set<std::string> two_set(of_two.begin(), of_two.end());
  MembershipChangeFigures figures;
  figures.followed_of_three = of_three.size();
  figures.followed_of_two = of_two.size();
  // Rendezvous hashing moves only r3's hosts: r1 keeps all of its first
  // share, and r3's return drops exactly the hosts r1 took over.
  figures.kept = of_three.size() - CountMissing(of_three, two_set);
  figures.moved_in = CountMissing(of_two, three_set);
  figures.dropped = figures.moved_in;
  const auto in_sync_by_deadline = [&](const controller::Fleet& fleet,
                                       const std::vector<std::string>& names) {
    return testing::WaitFor([&] { return AllInSync(fleet, names); },
                            std::chrono::seconds(deadline_seconds));
  };

  controller::FleetOptions first = options;
  first.agents = EndpointsOf(of_three, all);
  controller::Fleet fleet(first, nullptr);
  if (absl::Status started = fleet.Start(); !started.ok()) return started;
  if (!in_sync_by_deadline(fleet, of_three)) {
    return absl::DeadlineExceededError("r1's share of three never in sync");
  }
  std::this_thread::sleep_for(std::chrono::seconds(3));  // steady state

  // r3 died: r1 takes over its part of r3's hosts.
  double cpu = OwnCpuSeconds();
  auto start = Clock::now();
  fleet.SetAgents(EndpointsOf(of_two, all));
  if (!in_sync_by_deadline(fleet, of_two)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "r1's share of two not in sync within ", deadline_seconds, " s"));
  }
  figures.settle_seconds = SecondsSince(start);
  figures.settle_cpu_seconds = OwnCpuSeconds() - cpu;
  std::this_thread::sleep_for(std::chrono::seconds(3));

  // r3 is back: r1 drops those hosts again.
  cpu = OwnCpuSeconds();
  start = Clock::now();
  fleet.SetAgents(EndpointsOf(of_three, all));
  figures.stop_seconds = SecondsSince(start);
  figures.stop_cpu_seconds = OwnCpuSeconds() - cpu;
  fleet.Stop();
  return figures;
}

}  // namespace porthole::bench
