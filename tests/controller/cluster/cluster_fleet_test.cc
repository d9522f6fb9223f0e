// Two controller replicas (a Fleet each, joined through Cluster) splitting
// four real porthole-agent processes between them through a real etcd:
// each follows only its hosts, answers for the others' from the index, and
// takes them over when the other leaves.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "controller/cluster/cluster.h"
#include "controller/fleet/host_assignment.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_cluster.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using testing::ChildProcess;

// compute-6 .. compute-9: rendezvous hashing gives two to r1, two to r2.
constexpr int kFirstHost = 6;
constexpr int kHosts = 4;

std::string UuidOf(int host) {
  return "cccccccc-0000-4000-8000-00000000000" + std::to_string(host);
}

std::string HostName(int host) { return "compute-" + std::to_string(host); }

// One running domain with VNC on 5910 + host.
std::string NodeXml(int host) {
  return "<?xml version=\"1.0\"?>\n<node><domain type='test'><name>vm-" +
         std::to_string(host) + "</name><uuid>" + UuidOf(host) +
         "</uuid><memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='vnc' port='" +
         std::to_string(5910 + host) +
         "' autoport='no' listen='127.0.0.1'/></devices></domain></node>\n";
}

struct Replica {
  std::unique_ptr<Cluster> cluster;
  std::unique_ptr<Fleet> fleet;
};

class ClusterFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start()) << etcd_.error() << etcd_.Logs();
    for (int i = kFirstHost; i < kFirstHost + kHosts; ++i) {
      const std::string node = dir_.path() + "/node" + std::to_string(i);
      testing::WriteFile(node, NodeXml(i));
      const int port = testing::PickFreePort();
      agents_.push_back(std::make_unique<ChildProcess>(
          std::vector<std::string>{testing::AgentBinary(), "--config",
                                   "/dev/null", "--libvirt-uri",
                                   "test://" + node, "--listen",
                                   "127.0.0.1:" + std::to_string(port)},
          std::vector<std::string>{},
          dir_.path() + "/agent" + std::to_string(i) + ".log"));
      ASSERT_TRUE(
          testing::WaitForTcpPort("127.0.0.1", port, std::chrono::seconds(10)));
      endpoints_.push_back({HostName(i), "127.0.0.1:" + std::to_string(port)});
    }
    Join("r1");
    Join("r2");
  }

  void TearDown() override {
    for (auto& [name, replica] : replicas_) {
      replica.cluster->Leave();
      replica.fleet->Stop();
    }
  }

  void Join(const std::string& name) {
    absl::StatusOr<std::unique_ptr<Cluster>> cluster = Cluster::Open(
        etcd_.StoreUrl("/c"), absl::Seconds(1), {name, absl::Seconds(2)});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    ASSERT_NE(*cluster, nullptr);
    FleetOptions options;
    options.agents = endpoints_;
    options.reconnect_max_backoff = absl::Milliseconds(500);
    Replica& replica = replicas_[name];
    replica.cluster = *std::move(cluster);
    replica.fleet = std::make_unique<Fleet>(options, nullptr,
                                            replica.cluster->index(), name);
    EXPECT_TRUE(replica.cluster->Join(replica.fleet.get()));
    ASSERT_TRUE(replica.fleet->Start().ok());
  }

  Fleet& fleet(const std::string& name) { return *replicas_[name].fleet; }

  // True once every replica follows exactly what rendezvous hashing over
  // `members` gives it, and each followed agent is in sync.
  bool Settled(const std::vector<std::string>& members) {
    return testing::WaitFor(
        [&] {
          for (const std::string& name : members) {
            std::vector<std::string> hosts;
            for (const AgentEndpoint& e : endpoints_) hosts.push_back(e.name);
            std::vector<std::string> mine = HostsOwnedBy(name, hosts, members);
            std::sort(mine.begin(), mine.end());
            if (fleet(name).FollowedAgents() != mine) return false;
            for (const std::string& host : mine) {
              if (!fleet(name).AgentConnected(host)) return false;
            }
          }
          return true;
        },
        std::chrono::seconds(15));
  }

  testing::TempDir dir_;
  testing::EtcdCluster etcd_{1};
  std::vector<std::unique_ptr<ChildProcess>> agents_;
  std::vector<AgentEndpoint> endpoints_;
  std::map<std::string, Replica> replicas_;
};

TEST_F(ClusterFleetTest, EachReplicaFollowsItsShare_AndAnswersForEveryHost) {
  ASSERT_TRUE(Settled({"r1", "r2"}));
  EXPECT_FALSE(fleet("r1").FollowedAgents().empty());
  EXPECT_FALSE(fleet("r2").FollowedAgents().empty());
  for (const std::string name : {"r1", "r2"}) {
    for (int i = kFirstHost; i < kFirstHost + kHosts; ++i) {
      // The other replica's hosts come from the index, a moment behind
      // (the host's record, which makes its servers connected, last).
      ASSERT_TRUE(testing::WaitFor(
          [&] {
            absl::StatusOr<Server> s = fleet(name).Find(UuidOf(i));
            return s.ok() && s->host_connected;
          },
          std::chrono::seconds(10)))
          << name << " " << UuidOf(i);
      absl::StatusOr<Server> server = fleet(name).Find(UuidOf(i));
      EXPECT_EQ(server->host, HostName(i));
      // GetConsole reaches the agent whoever follows it.
      absl::StatusOr<v1::GetConsoleResponse> console =
          fleet(name).GetConsole(*server, v1::PROTOCOL_VNC, "req-cluster");
      ASSERT_TRUE(console.ok()) << console.status();
      EXPECT_EQ(console->console().port(), 5910u + i);
    }
    EXPECT_EQ(fleet(name).List().size(), static_cast<size_t>(kHosts));
    // Every host's owner vouches: a miss is a 404, asked of no agent.
    absl::StatusOr<Server> missing =
        fleet(name).Find("cccccccc-0000-4000-8000-0000000000ff");
    EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  }
}

TEST_F(ClusterFleetTest, ReplicaLeaves_TheOtherTakesItsHosts) {
  ASSERT_TRUE(Settled({"r1", "r2"}));
  const absl::Time left = absl::Now();
  replicas_["r2"].cluster->Leave();
  ASSERT_TRUE(Settled({"r1"}));
  const absl::Duration handover = absl::Now() - left;
  std::cout << "handover after a replica left: "
            << absl::ToDoubleMilliseconds(handover) << " ms\n";
  EXPECT_EQ(fleet("r1").FollowedAgents().size(), static_cast<size_t>(kHosts));
  for (int i = kFirstHost; i < kFirstHost + kHosts; ++i) {
    EXPECT_TRUE(fleet("r1").Find(UuidOf(i)).ok()) << UuidOf(i);
  }
}

}  // namespace
}  // namespace porthole::controller
