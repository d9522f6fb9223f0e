// fleet_bench: the controller's Fleet following a simulated cloud. Child
// processes (this binary, --serve-agents, 4,000 hosts each) serve every
// simulated agent over gRPC, each at its own loopback address; this process
// runs one Fleet, as porthole-controller does, and reports:
//   - time to full inventory (every agent's SNAPSHOT applied);
//   - memory (RSS, and the heap in use) and threads of this process, per
//     followed host;
//   - CPU spent on the agents' heartbeats in the steady state;
//   - lookup latency (Fleet::Find on a known server) and the fan-out a miss
//     costs (ListDomains to every agent);
//   - with --membership, what a replica's Fleet pays when the replicas
//     change (membership_change.h): hosts moved, time to sync, CPU.
//
//   fleet_bench [--hosts 10000] [--servers 40] [--heartbeat-ms 1000]
//               [--loops N] [--membership]
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench/bench_support.h"
#include "bench/fleet_bench/membership_change.h"
#include "bench/fleet_bench/simulated_agents.h"
#include "common/logging.h"
#include "controller/fleet/agent_channel.h"
#include "controller/fleet/fleet.h"
#include "tests/support/child_process.h"
#include "tests/support/proc_status.h"

namespace porthole::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHostsPerProcess = 4000;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void PrintMembershipChange(const MembershipChangeFigures& f) {
  std::printf(
      "| membership: r1's hosts among {r1,r2,r3} / {r1,r2} | %zu / %zu "
      "(%zu kept) |\n",
      f.followed_of_three, f.followed_of_two, f.kept);
  std::printf(
      "| r3 leaves: hosts moved to r1, until all in sync, CPU | %zu, "
      "%.2f s, %.2f CPU s |\n",
      f.moved_in, f.settle_seconds, f.settle_cpu_seconds);
  std::printf(
      "| r3 joins: hosts r1 drops, until stopped, CPU | %zu, %.2f s, "
      "%.2f CPU s |\n",
      f.dropped, f.stop_seconds, f.stop_cpu_seconds);
}

// The bytes malloc handed out and not yet freed, in every arena and in
// mmapped blocks: the RSS less the allocator's free chunks (fragmentation)
// and the threads' stacks.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

int Run(const SimulatedFleet& sim, bool membership) {
  SetMinLogLevel(LogLevel::kWarning);
  RaiseFileLimit();
  const testing::TempDir dir;
  // A serving process holds two descriptors per host (its listener and the
  // accepted connection): slices of kHostsPerProcess stay within the limit.
  std::vector<std::unique_ptr<testing::ChildProcess>> serving;
  for (int first = 0; first < sim.hosts; first += kHostsPerProcess) {
    const int count = std::min(kHostsPerProcess, sim.hosts - first);
    const std::string ready =
        dir.path() + "/agents-" + std::to_string(first) + ".ready";
    serving.push_back(std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{
            "/proc/self/exe", "--serve-agents", "--hosts",
            std::to_string(sim.hosts), "--first", std::to_string(first),
            "--count", std::to_string(count), "--servers",
            std::to_string(sim.servers), "--heartbeat-ms",
            std::to_string(sim.heartbeat_ms), "--port",
            std::to_string(sim.port), "--ready-file", ready},
        std::vector<std::string>{},
        dir.path() + "/agents-" + std::to_string(first) + ".log"));
    if (!testing::WaitFor([&] { return std::ifstream(ready).good(); },
                          std::chrono::seconds(120))) {
      std::fprintf(stderr, "simulated agents did not start: %s\n",
                   serving.back()->ReadLog().c_str());
      return 1;
    }
  }

  controller::FleetOptions options;
  std::vector<std::string> names;
  for (int i = 0; i < sim.hosts; ++i) {
    names.push_back("compute-" + std::to_string(i));
    options.agents.push_back({names.back(), HostAddress(i, sim.port)});
  }
  options.timeout = absl::Seconds(30);
  options.completion_loops = static_cast<size_t>(sim.loops);
  const long rss0 = testing::ProcStatusField(0, "VmRSS");
  const size_t heap0 = HeapInUse();
  const long threads0 = testing::ProcStatusField(0, "Threads");
  controller::Fleet fleet(options, nullptr);
  const auto t0 = Clock::now();
  if (!fleet.Start().ok()) return 1;
  if (!testing::WaitFor([&] { return AllInSync(fleet, names); },
                        std::chrono::seconds(600))) {
    std::fprintf(stderr, "not every agent connected within 600 s\n");
    return 1;
  }
  const double full = Seconds(Clock::now() - t0);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // steady state
  const double cpu0 = OwnCpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(10));
  const double heartbeat_cpu = (OwnCpuSeconds() - cpu0) / 10;
  const long rss1 = testing::ProcStatusField(0, "VmRSS");
  const size_t heap1 = HeapInUse();
  const long threads1 = testing::ProcStatusField(0, "Threads");

  std::mt19937 random(42);
  std::vector<double> lookup_us;
  for (int i = 0; sim.servers > 0 && i < 100000; ++i) {
    const std::string uuid = ServerUuid(
        static_cast<int>(random() % static_cast<unsigned>(sim.hosts)),
        static_cast<int>(random() % static_cast<unsigned>(sim.servers)));
    const auto start = Clock::now();
    if (!fleet.Find(uuid).ok()) {
      std::fprintf(stderr, "lookup of %s failed\n", uuid.c_str());
      return 1;
    }
    lookup_us.push_back(Seconds(Clock::now() - start) * 1e6);
  }
  const auto miss_start = Clock::now();
  const bool miss_not_found = absl::IsNotFound(
      fleet.Find("ffffffff-0000-4000-8000-000000000000").status());
  const double miss_ms = Seconds(Clock::now() - miss_start) * 1e3;
  fleet.Stop();

  std::printf("| figure | value |\n|---|---|\n");
  std::printf("| hosts x servers | %d x %d |\n", sim.hosts, sim.servers);
  std::printf("| heartbeat interval | %d ms |\n", sim.heartbeat_ms);
  std::printf("| time to full inventory | %.2f s |\n", full);
  std::printf("| RSS added | %.1f MiB (%.1f KiB per host) |\n",
              (rss1 - rss0) / 1024.0,
              static_cast<double>(rss1 - rss0) / sim.hosts);
  std::printf(
      "| heap in use added (mallinfo2) | %.1f MiB (%.1f KiB per host) |\n",
      static_cast<double>(heap1 - heap0) / (1 << 20),
      static_cast<double>(heap1 - heap0) / 1024 / sim.hosts);
  std::printf("| threads | %ld before the fleet, %ld following every host |\n",
              threads0, threads1);
  std::printf("| CPU in the steady state (heartbeats) | %.1f%% of a core |\n",
              heartbeat_cpu * 100);
  std::printf("| Find, known server, p50 / p99 | %.2f / %.2f us |\n",
              Percentile(lookup_us, 0.5), Percentile(lookup_us, 0.99));
  std::printf("| Find, unknown server (fan-out to every agent) | %.0f ms%s |\n",
              miss_ms, miss_not_found ? "" : " (not answered NOT_FOUND)");
  if (!membership) return 0;
  std::fflush(stdout);
  absl::StatusOr<MembershipChangeFigures> change =
      MeasureMembershipChange(options, 600);
  if (!change.ok()) {
    std::fprintf(stderr, "membership change: %s\n",
                 change.status().ToString().c_str());
    return 1;
  }
  PrintMembershipChange(*change);
  return 0;
}

}  // namespace
}  // namespace porthole::bench

int main(int argc, char** argv) {
  namespace bench = porthole::bench;
  // As porthole-controller's main does (see there).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  porthole::controller::TurnOffGrpcFixedReadBlocks();
  bench::SimulatedFleet sim;
  sim.hosts = std::stoi(bench::FlagValue(argc, argv, "hosts", "10000"));
  sim.servers = std::stoi(bench::FlagValue(argc, argv, "servers", "40"));
  sim.heartbeat_ms =
      std::stoi(bench::FlagValue(argc, argv, "heartbeat-ms", "1000"));
  sim.loops = std::stoi(bench::FlagValue(argc, argv, "loops", "0"));
  sim.port = std::stoi(bench::FlagValue(argc, argv, "port", "0"));
  sim.first = std::stoi(bench::FlagValue(argc, argv, "first", "0"));
  sim.count = std::stoi(
      bench::FlagValue(argc, argv, "count", std::to_string(sim.hosts)));
  if (bench::HasFlag(argc, argv, "serve-agents")) {
    return bench::ServeSimulatedAgents(
        sim, bench::FlagValue(argc, argv, "ready-file", ""));
  }
  if (sim.port == 0) sim.port = porthole::testing::PickFreePort();
  return bench::Run(sim, bench::HasFlag(argc, argv, "membership"));
}
