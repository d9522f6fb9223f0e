#ifndef PORTHOLE_BENCH_FLEET_BENCH_SIMULATED_AGENTS_H_
#define PORTHOLE_BENCH_FLEET_BENCH_SIMULATED_AGENTS_H_

#include <string>

namespace porthole::bench {

// What `fleet_bench --serve-agents` simulates: `hosts` compute hosts, each
// with `servers` running domains with a VNC console, each host's agent at
// its own loopback address (HostAddress) on one port.
struct SimulatedFleet {
  int hosts = 10000;
  // The slice one serving process takes: hosts [first, first + count).
  int first = 0;
  int count = 10000;
  int servers = 40;
  int port = 0;
  int heartbeat_ms = 1000;  // 0: no heartbeats
  int loops = 0;            // the controller's completion loops; 0: its default
};

// Host `index`'s agent: 127.1.X.Y:port, a distinct address per host (the
// whole of 127/8 is loopback on Linux), so the controller side opens one
// connection per host as it would in a real cloud.
std::string HostAddress(int index, int port);
// The UUID of host `host`'s server `server`.
std::string ServerUuid(int host, int server);

// Serves the slice's simulated agents from this process on one gRPC server (the
// callback API, so threads do not grow with hosts): WatchDomains sends a
// SNAPSHOT of the host's servers, then a HEARTBEAT every `heartbeat_ms`;
// ListDomains and GetConsole answer from the same data. A request's host is
// the address it was sent to (its :authority). Writes "ready" to
// `ready_file` once listening, then serves until SIGTERM. Returns the exit
// code.
int ServeSimulatedAgents(const SimulatedFleet& fleet,
                         const std::string& ready_file);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_FLEET_BENCH_SIMULATED_AGENTS_H_
