// Porthole as deployed over several hosts, on one machine
// (tests/support/controller_cluster.h): three compute hosts, each a network
// namespace with its own libvirtd, real QEMU guest and agent; controller
// replicas sharing console tokens through a real etcd; haproxy in front.
// Console sessions are real: the proxy relays the guest's "RFB 003.00x"
// greeting over the WebSocket. The gaps measured on failures are printed
// ("cluster gap: ...") for docs/benchmarks.md.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "controller/fleet/host_assignment.h"
#include "nlohmann/json.hpp"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_cluster.h"
#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"

namespace porthole::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// How long a host may be without a replica after its owner died: the
// member's lease TTL (ClusterOptions::member_ttl_seconds, 2 s), etcd's
// lateness in ending it (up to ~1 s), the watch, a stream and a snapshot.
constexpr seconds kHandoverBound(6);
// "A few seconds" of 503 while etcd elects a new leader.
constexpr seconds kEtcdElectionBound(5);

ClusterOptions Options(int replicas, int etcd_members) {
  ClusterOptions options;
  options.replicas = replicas;
  options.etcd_members = etcd_members;
  return options;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// POST remote-consoles as alice through `api_port`: the console token, or
// "" (the status in `*status`).
std::string IssueToken(int api_port, const std::string& server,
                       int* status = nullptr) {
  HttpReply reply = PostVncConsole(api_port, server, kAliceToken);
  if (status != nullptr) *status = reply.status;
  if (reply.status != 200) return "";
  auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (json.is_discarded()) return "";
  return ConsoleTokenOf(json["remote_console"]["url"].get<std::string>());
}

// Opens the console behind `token` on the noVNC port `port` and reads the
// guest's first bytes through it; "" when the upgrade was refused.
std::string OpenRfb(RawWebSocket& ws, int port, const std::string& token,
                    int* status = nullptr) {
  if (!ws.Connect(port)) return "";
  std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
  if (status != nullptr) *status = head ? head->status : 0;
  if (!head || head->status != 101) return "";
  std::optional<RawWebSocket::Frame> frame = ws.ReadDataFrame(seconds(10));
  return frame ? frame->payload : "";
}

bool Greets(int port, const std::string& token) {
  RawWebSocket ws;
  return OpenRfb(ws, port, token).starts_with("RFB 003.00");
}

// A token stored through one replica is good on the others: every host's
// console opens from r2 and through haproxy with r1's URL.
TEST(ClusterProcess, UrlIssuedByOneReplica_OpensThroughAnotherAndHaproxy) {
  ControllerCluster cluster(Options(2, 1));
  ASSERT_TRUE(cluster.Start()) << cluster.error() << cluster.Logs();
  for (int h = 0; h < cluster.host_count(); ++h) {
    const std::string server = cluster.host(h).guest_uuid();
    const std::string token = IssueToken(cluster.api_port(0), server);
    ASSERT_FALSE(token.empty()) << server << cluster.Logs();
    EXPECT_TRUE(Greets(cluster.novnc_port(1), token))
        << cluster.host(h).name() << " through r2\n"
        << cluster.Logs();
    EXPECT_TRUE(Greets(cluster.balanced_novnc_port(), token))
        << cluster.host(h).name() << " through haproxy\n"
        << cluster.Logs();
  }
  // And the URL the balanced API hands out opens through the balancer.
  const std::string token =
      IssueToken(cluster.balanced_api_port(), cluster.host(0).guest_uuid());
  ASSERT_FALSE(token.empty()) << cluster.Logs();
  EXPECT_TRUE(Greets(cluster.balanced_novnc_port(), token)) << cluster.Logs();
}

// The replica that owns a host (controller::OwnerOf, the controller's own
// rule) dies: within the lease TTL plus a reconnect another one serves the
// host's consoles. Until the replicas run with [cluster] names, each
// follows every host and this proves haproxy's failover alone.
TEST(ClusterProcess, OwnerReplicaKilled_ItsHostsConsolesWorkThroughHaproxy) {
  ControllerCluster cluster(Options(3, 1));
  ASSERT_TRUE(cluster.Start()) << cluster.error() << cluster.Logs();
  const ComputeHostNetns& host = cluster.host(0);
  const int owner = cluster.ReplicaIndex(
      controller::OwnerOf(host.name(), cluster.ReplicaNames()));
  ASSERT_GE(owner, 0);

  // Membership has settled: the owner reports the host in sync.
  ASSERT_TRUE(WaitFor(
      [&] {
        return cluster.HostOwner(host.name()) == cluster.replica_name(owner);
      },
      seconds(15)))
      << cluster.HostOwner(host.name()) << "\n"
      << cluster.Logs();
  std::vector<std::string> survivors = cluster.ReplicaNames();
  std::erase(survivors, cluster.replica_name(owner));
  const std::string heir = controller::OwnerOf(host.name(), survivors);

  cluster.KillReplica(owner);
  const auto killed = Clock::now();
  auto works = [&] {
    const std::string token =
        IssueToken(cluster.balanced_api_port(), host.guest_uuid());
    return !token.empty() && Greets(cluster.balanced_novnc_port(), token);
  };
  // The index still knows the host's guest: consoles work at once, through
  // whichever replica haproxy picks, while the host has no owner.
  ASSERT_TRUE(WaitFor(works, seconds(5))) << cluster.Logs();
  const auto url_gap = Clock::now() - killed;
  ASSERT_TRUE(WaitFor([&] { return cluster.HostOwner(host.name()) == heir; },
                      kHandoverBound))
      << cluster.HostOwner(host.name()) << "\n"
      << cluster.Logs();
  const auto handover = Clock::now() - killed;
  std::cout << "cluster gap: owner replica " << cluster.replica_name(owner)
            << " of " << host.name() << " SIGKILLed -> a new URL opens "
            << "through haproxy after " << Seconds(url_gap) << " s; " << heir
            << " follows the host after " << Seconds(handover) << " s\n";
  // Not once: round robin reaches every surviving replica.
  for (int i = 0; i < 2 * cluster.replica_count(); ++i) {
    EXPECT_TRUE(works()) << "try " << i << "\n" << cluster.Logs();
  }
}

// etcd loses its leader: URL issuance answers 503 (never anything else)
// for a few seconds at most, and a URL issued before still opens.
TEST(ClusterProcess, EtcdLeaderKilled_Brief503_NoTokenLost) {
  ControllerCluster cluster(Options(2, 3));
  ASSERT_TRUE(cluster.Start()) << cluster.error() << cluster.Logs();
  const std::string server = cluster.host(0).guest_uuid();
  const std::string before = IssueToken(cluster.balanced_api_port(), server);
  ASSERT_FALSE(before.empty()) << cluster.Logs();
  const int leader = cluster.etcd().Leader();
  ASSERT_GE(leader, 0) << cluster.etcd().error();

  cluster.etcd().Kill(leader);
  const auto killed = Clock::now();
  // Issue until 2 s in a row succeed after the last failure.
  std::optional<Clock::time_point> last_failure;
  int failures = 0;
  int other = 0;
  WaitFor(
      [&] {
        int status = 0;
        IssueToken(cluster.balanced_api_port(), server, &status);
        const auto now = Clock::now();
        if (status != 200) {
          ++failures;
          if (status != 503) ++other;
          last_failure = now;
        }
        return now - last_failure.value_or(killed) > seconds(2);
      },
      seconds(30));
  const auto gap = last_failure.value_or(killed) - killed;
  std::cout << "cluster gap: etcd leader (member " << leader
            << " of 3) SIGKILLed -> URL issuance through haproxy failed "
            << failures << " times, the last " << Seconds(gap)
            << " s after the kill\n";
  EXPECT_EQ(other, 0) << "failures that were not 503";
  EXPECT_LE(gap, kEtcdElectionBound) << cluster.Logs();
  // No token lost: the URL issued before the kill opens, on both replicas.
  EXPECT_TRUE(Greets(cluster.balanced_novnc_port(), before)) << cluster.Logs();
  EXPECT_TRUE(Greets(cluster.novnc_port(0), before)) << cluster.Logs();
  EXPECT_TRUE(Greets(cluster.novnc_port(1), before)) << cluster.Logs();
}

// A guest stops under a session that runs through a replica that does not
// own its host: the session gets a WebSocket close, and the URL is refused
// before the upgrade afterwards, on every replica.
TEST(ClusterProcess, GuestDestroyed_SessionOnNonOwnerEnds_TokenRefused) {
  ControllerCluster cluster(Options(2, 1));
  ASSERT_TRUE(cluster.Start()) << cluster.error() << cluster.Logs();
  ComputeHostNetns& host = cluster.host(0);
  const int owner = cluster.ReplicaIndex(
      controller::OwnerOf(host.name(), cluster.ReplicaNames()));
  ASSERT_GE(owner, 0);
  const int other = 1 - owner;
  const std::string token =
      IssueToken(cluster.api_port(owner), host.guest_uuid());
  ASSERT_FALSE(token.empty()) << cluster.Logs();
  RawWebSocket session;
  ASSERT_TRUE(
      OpenRfb(session, cluster.novnc_port(other), token).starts_with("RFB "))
      << cluster.Logs();

  ASSERT_TRUE(host.DestroyGuest()) << host.error();
  const auto destroyed = Clock::now();
  // The proxy closes the WebSocket: a close frame, whatever came before.
  std::optional<RawWebSocket::Frame> frame;
  do {
    frame = session.ReadFrame(seconds(10));
  } while (frame && frame->opcode != 8);
  ASSERT_TRUE(frame.has_value()) << "no close frame\n" << cluster.Logs();
  std::cout << "cluster gap: guest destroyed -> the session on "
            << cluster.replica_name(other) << " (not the owner, "
            << cluster.replica_name(owner) << ") got a close frame ("
            << frame->close_code() << ") after "
            << Seconds(Clock::now() - destroyed) << " s\n";
  // Refused before the upgrade on every replica, as an invalid token.
  for (int i : {other, owner}) {
    RawWebSocket ws;
    ASSERT_TRUE(ws.Connect(cluster.novnc_port(i)));
    std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->status, 403) << cluster.replica_name(i);
    EXPECT_EQ(head->Header("x-porthole-error"), "token-invalid");
  }
}

}  // namespace
}  // namespace porthole::testing
