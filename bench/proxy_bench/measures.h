#ifndef PORTHOLE_BENCH_PROXY_BENCH_MEASURES_H_
#define PORTHOLE_BENCH_PROXY_BENCH_MEASURES_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace porthole::bench {

// One relay under test, as the client reaches it.
struct Target {
  std::string name;
  int port = 0;
  bool websocket = false;
  std::string path;  // upgrade target
  pid_t pid = -1;    // relay process; -1 for direct
  // The relay runs the RFB security handshake with the client (security
  // type None) before it relays: Porthole's VeNCrypt proxy.
  bool rfb_security_none = false;
};

// One round's figures for one target.
struct Measures {
  double down_mibs = 0, up_mibs = 0;
  double down_cpu_per_gib = 0, up_cpu_per_gib = 0;
  double rtt64_p50 = 0, rtt64_p99 = 0, rtt64k_p50 = 0, rtt64k_p99 = 0;
  double connect_p50 = 0, connect_p99 = 0;
  double idle_kib = 0;
};

// One round against `target`, in this order: `bytes` downstream, then
// upstream, in 64 KiB messages, with the relay's CPU (its process tree) over
// each; 2000 round trips of 64 B and 300 of 64 KiB on one connection; 200
// connects to first echo; then, when `idle_sessions` is set (the first
// round), the relay's PSS per session with that many sessions open and idle.
// Failures are reported on stderr and leave the figure at 0.
Measures MeasureRound(const Target& target, uint64_t bytes,
                      std::optional<int> idle_sessions);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_MEASURES_H_
