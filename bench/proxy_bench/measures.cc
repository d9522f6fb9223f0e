#include "bench/proxy_bench/measures.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "bench/bench_support.h"
#include "bench/proxy_bench/client_connection.h"
#include "bench/proxy_bench/echo_backend.h"
#include "bench/proxy_bench/process_tree_usage.h"

namespace porthole::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double ProxyCpu(const Target& t) {
  return t.pid > 0 ? ReadTreeUsage(t.pid).cpu_seconds : 0;
}

// Opens the connection and, where the relay speaks RFB first, answers its
// version and security type None and reads the SecurityResult, as noVNC does.
bool OpenTarget(const Target& t, ClientConnection& c) {
  if (!c.Open(t.port, t.websocket, t.path)) return false;
  if (!t.rfb_security_none) return true;
  return c.Receive(12) && c.Send(c.Prepare("RFB 003.008\n")) && c.Receive(2) &&
         c.Send(c.Prepare("\x01")) && c.Receive(4);
}

void Transfer(const Target& t, bool down, uint64_t bytes, double* mibs,
              double* cpu_per_gib) {
  ClientConnection c;
  if (!OpenTarget(t, c)) {
    std::fprintf(stderr, "%s: cannot connect\n", t.name.c_str());
    return;
  }
  const std::string chunk = c.Prepare(std::string(kMessageBytes, 'u'));
  // The command first, and an ack of the connection before the clock runs.
  c.Send(c.Prepare(BackendCommand(down ? 'D' : 'U', bytes)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double cpu0 = ProxyCpu(t);
  const auto t0 = Clock::now();
  bool ok = true;
  if (down) {
    ok = c.Receive(bytes);
  } else {
    for (uint64_t sent = 0; ok && sent < bytes; sent += kMessageBytes) {
      ok = c.Send(chunk);
    }
    ok = ok && c.Receive(1);
  }
  const double elapsed = Seconds(Clock::now() - t0);
  const double cpu = ProxyCpu(t) - cpu0;
  if (!ok) std::fprintf(stderr, "%s: transfer failed\n", t.name.c_str());
  const double gib = static_cast<double>(bytes) / (1 << 30);
  *mibs = static_cast<double>(bytes) / (1 << 20) / elapsed;
  *cpu_per_gib = cpu / gib;
}

void RoundTrips(const Target& t, size_t size, int count, double* p50,
                double* p99) {
  ClientConnection c;
  if (!OpenTarget(t, c)) return;
  c.Send(c.Prepare("E"));
  const std::string message = c.Prepare(std::string(size, 'r'));
  std::vector<double> us;
  for (int i = 0; i < count + 20; ++i) {  // the first 20 warm up
    auto t0 = Clock::now();
    if (!c.Send(message) || !c.Receive(size)) break;
    if (i >= 20) us.push_back(Seconds(Clock::now() - t0) * 1e6);
  }
  *p50 = Percentile(us, 0.5);
  *p99 = Percentile(us, 0.99);
}

// An echo session that has answered once: open through the whole relay.
bool OpenEchoSession(const Target& t, ClientConnection& c) {
  return OpenTarget(t, c) && c.Send(c.Prepare("Ex")) && c.Receive(1);
}

void Connects(const Target& t, int count, double* p50, double* p99) {
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto t0 = Clock::now();
    ClientConnection c;
    if (!OpenEchoSession(t, c)) continue;
    ms.push_back(Seconds(Clock::now() - t0) * 1e3);
  }
  *p50 = Percentile(ms, 0.5);
  *p99 = Percentile(ms, 0.99);
}

double IdleKib(const Target& t, int sessions) {
  if (t.pid <= 0) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long before = ReadTreeUsage(t.pid).pss_kib;
  std::vector<std::unique_ptr<ClientConnection>> open;
  for (int i = 0; i < sessions; ++i) {
    auto c = std::make_unique<ClientConnection>();
    if (!OpenEchoSession(t, *c)) {
      std::fprintf(stderr, "%s: session %d failed\n", t.name.c_str(), i);
      break;
    }
    open.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long after = ReadTreeUsage(t.pid).pss_kib;
  const size_t n = open.size();
  open.clear();
  // Let the relay close them all before the next target's figures.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return n == 0 ? 0 : static_cast<double>(after - before) / n;
}

}  // namespace

Measures MeasureRound(const Target& target, uint64_t bytes,
                      std::optional<int> idle_sessions) {
  Measures m;
  Transfer(target, true, bytes, &m.down_mibs, &m.down_cpu_per_gib);
  Transfer(target, false, bytes, &m.up_mibs, &m.up_cpu_per_gib);
  RoundTrips(target, 64, 2000, &m.rtt64_p50, &m.rtt64_p99);
  RoundTrips(target, kMessageBytes, 300, &m.rtt64k_p50, &m.rtt64k_p99);
  Connects(target, 200, &m.connect_p50, &m.connect_p99);
  if (idle_sessions) m.idle_kib = IdleKib(target, *idle_sessions);
  return m;
}

}  // namespace porthole::bench
