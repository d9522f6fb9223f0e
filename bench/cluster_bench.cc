// New console connections through the replica that follows the server's
// host and through one that does not (issue 12). Two porthole-controller
// processes share a real etcd (tokens and the fleet index), each with its
// agent on one node file whose VNC console is a TCP echo server; a URL is
// issued through the owner, then `--connections` WebSocket connections in
// turn through each replica, timed from TCP connect to the 101 response
// (the proxy's admission: token lookup in etcd, the server's lookup, the
// port re-check, the backend dial). The owner usually trusts its
// heartbeat-confirmed inventory; the other asks the agent (GetConsole) over
// its channel cache. Direct TCP connects to the echo server are the
// baseline.
//
//   cluster_bench [--connections 500]
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/bench_support.h"
#include "controller/fleet/host_assignment.h"
#include "nlohmann/json.hpp"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_stack.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/loopback.h"
#include "tests/support/nova_reply.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::bench {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ControllerStack;

constexpr char kUuid[] = "dddddddd-0000-4000-8000-000000000001";
constexpr int kTokens = 4;  // rotated, under the per-URL session cap

std::string NodeXml(int vnc_port) {
  return std::string(
             "<?xml version=\"1.0\"?>\n<node><domain type='test'>"
             "<name>bench-vm</name><uuid>") +
         kUuid +
         "</uuid><metadata><nova:instance "
         "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
         "<nova:name>bench</nova:name><nova:owner><nova:user "
         "uuid='aaaaaaaa-0000-4000-8000-000000000001'>alice</nova:user>"
         "<nova:project uuid='" +
         testing::kAliceProject +
         "'>demo</nova:project></nova:owner></nova:instance></metadata>"
         "<memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='vnc' port='" +
         std::to_string(vnc_port) +
         "' autoport='no' listen='127.0.0.1'/></devices></domain></node>\n";
}

double Millis(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Connect to 101, in ms; negative when the upgrade failed.
double TimeUpgrade(int port, const std::string& token) {
  const auto start = Clock::now();
  testing::RawWebSocket ws;
  if (!ws.Connect(port)) return -1;
  std::optional<testing::RawWebSocket::Head> head =
      ws.Upgrade("/?token=" + token, {"Sec-WebSocket-Protocol: binary"});
  if (!head || head->status != 101) return -1;
  return Millis(Clock::now() - start);
}

double TimeTcpConnect(int port) {
  const auto start = Clock::now();
  const int fd = testing::ConnectLoopback(port);
  if (fd < 0) return -1;
  close(fd);
  return Millis(Clock::now() - start);
}

void Report(const std::string& what, const std::vector<double>& samples) {
  std::cout << absl::StrFormat("| %s | %zu | %.3f | %.3f | %.3f |\n", what,
                               samples.size(), Percentile(samples, 0.5),
                               Percentile(samples, 0.9),
                               Percentile(samples, 0.99));
}

int Run(int connections) {
  testing::EtcdCluster etcd(1);
  if (!etcd.Start()) {
    std::cerr << "etcd: " << etcd.error() << "\n";
    return 1;
  }
  testing::TcpEchoServer echo;
  testing::TempDir dir;
  const std::string node = dir.path() + "/node.xml";
  testing::WriteFile(node, NodeXml(echo.port()));
  ControllerStack a(node), b(node);
  a.set_token_store(etcd.StoreUrl("/bench"));
  b.set_token_store(etcd.StoreUrl("/bench"));
  if (!a.Start() || !b.Start()) {
    std::cerr << "controllers did not start\n"
              << a.ControllerLog() << b.ControllerLog();
    return 1;
  }
  // ControllerStack names its replica after its API port; both list the
  // host as compute-1.
  const std::string name_a = "replica-" + std::to_string(a.api_port());
  const std::string name_b = "replica-" + std::to_string(b.api_port());
  const bool a_owns =
      controller::OwnerOf("compute-1", {name_a, name_b}) == name_a;
  ControllerStack& owner = a_owns ? a : b;
  ControllerStack& other = a_owns ? b : a;

  std::vector<std::string> tokens;
  for (int i = 0; i < kTokens; ++i) {
    testing::HttpReply issued =
        testing::PostVncConsole(owner.api_port(), kUuid, testing::kAliceToken);
    if (issued.status != 200) {
      std::cerr << "URL: " << issued.status << " " << issued.body << "\n";
      return 1;
    }
    tokens.push_back(testing::ConsoleTokenOf(
        nlohmann::json::parse(issued.body)["remote_console"]["url"]));
  }
  // Warm both replicas (the other's channel to the agent, etcd channels).
  for (int i = 0; i < 20; ++i) {
    TimeUpgrade(owner.novnc_port(), tokens[i % kTokens]);
    TimeUpgrade(other.novnc_port(), tokens[i % kTokens]);
  }
  std::vector<double> direct, via_owner, via_other;
  int failed = 0;
  for (int i = 0; i < connections; ++i) {
    const std::string& token = tokens[i % kTokens];
    direct.push_back(TimeTcpConnect(echo.port()));
    for (auto [port, samples] : {std::pair{owner.novnc_port(), &via_owner},
                                 std::pair{other.novnc_port(), &via_other}}) {
      const double ms = TimeUpgrade(port, token);
      if (ms < 0) {
        ++failed;
      } else {
        samples->push_back(ms);
      }
    }
  }
  std::cout << "| path | connections | p50 ms | p90 ms | p99 ms |\n"
               "|---|---|---|---|---|\n";
  Report("TCP connect to the console port (baseline)", direct);
  Report("WebSocket to 101 via the replica that follows the host", via_owner);
  Report("WebSocket to 101 via a replica that does not", via_other);
  std::cout << "failed upgrades: " << failed << "\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace porthole::bench

int main(int argc, char** argv) {
  porthole::bench::RaiseFileLimit();
  return porthole::bench::Run(
      std::stoi(porthole::bench::FlagValue(argc, argv, "connections", "500")));
}
