// Rendezvous hashing of compute hosts over controller replicas: the same
// answer everywhere, an even spread, and the least movement on a change.
#include "controller/fleet/host_assignment.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace porthole::controller {
namespace {

std::vector<std::string> Hosts(int n) {
  std::vector<std::string> hosts;
  for (int i = 0; i < n; ++i) hosts.push_back("compute-" + std::to_string(i));
  return hosts;
}

std::map<std::string, std::string> Assign(
    const std::vector<std::string>& hosts,
    const std::vector<std::string>& replicas) {
  std::map<std::string, std::string> owners;
  for (const std::string& host : hosts) owners[host] = OwnerOf(host, replicas);
  return owners;
}

TEST(HostAssignment, NoReplicas_NoOwner) {
  EXPECT_EQ(OwnerOf("compute-1", {}), "");
}

TEST(HostAssignment, SameAnswerWhateverTheOrderOfTheMemberList) {
  const std::vector<std::string> hosts = Hosts(500);
  EXPECT_EQ(Assign(hosts, {"ctl-a", "ctl-b", "ctl-c"}),
            Assign(hosts, {"ctl-c", "ctl-a", "ctl-b"}));
}

// Every replica of every version must agree, so the weights may never change
// silently: this is the documented formula computed outside the code,
//   python3 -c "import hashlib; w=lambda h,r: int.from_bytes(hashlib.sha256(
//     (h+'\0'+r).encode()).digest()[:8],'big'); print(''.join(max(['ctl-a',
//     'ctl-b','ctl-c'], key=lambda r: w('compute-%d'%i, r))[-1]
//     for i in range(6)))"
TEST(HostAssignment, StableAcrossBuildsAndLanguages) {
  const std::vector<std::string> replicas = {"ctl-a", "ctl-b", "ctl-c"};
  std::string owners;
  for (const std::string& host : Hosts(6)) {
    owners += OwnerOf(host, replicas).back();
  }
  EXPECT_EQ(owners, "cbabba");
}

TEST(HostAssignment, TenThousandHostsSpreadEvenlyOverThree) {
  const std::vector<std::string> hosts = Hosts(10000);
  std::map<std::string, int> count;
  for (const auto& [host, owner] : Assign(hosts, {"a", "b", "c"})) {
    ++count[owner];
  }
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [owner, n] : count) {
    EXPECT_NEAR(n, 10000 / 3, 10000 / 3 / 10) << owner;  // within 10%
  }
}

TEST(HostAssignment, ReplicaLeaves_OnlyItsHostsMove_SpreadOverTheOthers) {
  const std::vector<std::string> hosts = Hosts(3000);
  const auto before = Assign(hosts, {"a", "b", "c"});
  const auto after = Assign(hosts, {"a", "c"});
  int moved_to_a = 0, moved_to_c = 0;
  for (const std::string& host : hosts) {
    if (before.at(host) != "b") {
      EXPECT_EQ(after.at(host), before.at(host)) << host;
    } else {
      (after.at(host) == "a" ? moved_to_a : moved_to_c)++;
    }
  }
  EXPECT_GT(moved_to_a, 300);
  EXPECT_GT(moved_to_c, 300);
}

TEST(HostAssignment, ReplicaJoins_TakesAboutAQuarter_NothingElseMoves) {
  const std::vector<std::string> hosts = Hosts(4000);
  const auto before = Assign(hosts, {"a", "b", "c"});
  const auto after = Assign(hosts, {"a", "b", "c", "d"});
  int taken = 0;
  for (const std::string& host : hosts) {
    if (after.at(host) == "d") {
      ++taken;
    } else {
      EXPECT_EQ(after.at(host), before.at(host)) << host;
    }
  }
  EXPECT_NEAR(taken, 1000, 150);
}

TEST(HostAssignment, HostsOwnedBy_PartitionsTheHosts) {
  const std::vector<std::string> hosts = Hosts(100);
  const std::vector<std::string> replicas = {"a", "b", "c"};
  size_t total = 0;
  for (const std::string& replica : replicas) {
    for (const std::string& host : HostsOwnedBy(replica, hosts, replicas)) {
      EXPECT_EQ(OwnerOf(host, replicas), replica);
      ++total;
    }
  }
  EXPECT_EQ(total, hosts.size());
}

}  // namespace
}  // namespace porthole::controller
