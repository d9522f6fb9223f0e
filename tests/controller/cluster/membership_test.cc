// Replicas joining, leaving and expiring, against a real etcd.
#include "controller/cluster/membership.h"

#include <gtest/gtest.h>

#include "tests/controller/cluster/cluster_test_support.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

using Members = std::vector<std::string>;

// What one replica's callback last saw.
class SeenMembers {
 public:
  Membership::MembersCallback Callback() {
    return [this](const Members& members) {
      absl::MutexLock lock(&mu_);
      last_ = members;
    };
  }
  Members last() {
    absl::MutexLock lock(&mu_);
    return last_;
  }
  bool WaitFor(const Members& expected) {
    return testing::WaitFor([&] { return last() == expected; },
                            std::chrono::seconds(10));
  }

 private:
  absl::Mutex mu_;
  Members last_ ABSL_GUARDED_BY(mu_);
};

class MembershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start()) << etcd_.error() << etcd_.Logs();
    client_ = ClientOf(etcd_, "/m");
    ASSERT_NE(client_, nullptr);
  }

  std::unique_ptr<Membership> Replica(const std::string& name,
                                      SeenMembers* seen,
                                      absl::Duration ttl = absl::Seconds(2)) {
    return std::make_unique<Membership>(
        client_.get(), keys_, ClusterOptions{name, ttl}, seen->Callback());
  }

  testing::EtcdCluster etcd_{1};
  std::unique_ptr<EtcdClient> client_;
  const ClusterKeys keys_{"/m"};
};

TEST_F(MembershipTest, Replicas_SeeEachOtherJoinAndLeave) {
  SeenMembers seen1, seen2;
  auto r1 = Replica("r1", &seen1);
  r1->Start();
  ASSERT_TRUE(r1->WaitJoined(absl::Seconds(10)));
  EXPECT_TRUE(seen1.WaitFor({"r1"}));
  auto r2 = Replica("r2", &seen2);
  r2->Start();
  ASSERT_TRUE(r2->WaitJoined(absl::Seconds(10)));
  EXPECT_TRUE(seen1.WaitFor({"r1", "r2"}));
  EXPECT_TRUE(seen2.WaitFor({"r1", "r2"}));
  EXPECT_EQ(r2->members(), (Members{"r1", "r2"}));

  // Leaving revokes the lease: seen at once, not after the TTL.
  const absl::Time left = absl::Now();
  r2->Leave();
  EXPECT_TRUE(seen1.WaitFor({"r1"}));
  EXPECT_LT(absl::Now() - left, absl::Seconds(2));
}

TEST_F(MembershipTest, LeaseKeptAlive_PastItsTtl) {
  SeenMembers seen;
  auto r1 = Replica("r1", &seen);
  r1->Start();
  ASSERT_TRUE(r1->WaitJoined(absl::Seconds(10)));
  absl::SleepFor(absl::Seconds(4));  // twice the TTL: renewal, not luck
  EXPECT_EQ(seen.last(), (Members{"r1"}));
  std::optional<std::string> keys =
      etcd_.Etcdctl({"get", "--prefix", "--keys-only", keys_.members});
  ASSERT_TRUE(keys.has_value()) << etcd_.error();
  EXPECT_NE(keys->find("/m/fleet/members/r1"), std::string::npos) << *keys;
}

TEST_F(MembershipTest, TakenName_WaitsForTheHoldersLeaseToEnd) {
  SeenMembers seen1, seen2;
  auto first = Replica("same", &seen1);
  first->Start();
  ASSERT_TRUE(first->WaitJoined(absl::Seconds(10)));
  auto second = Replica("same", &seen2);
  second->Start();
  EXPECT_FALSE(second->WaitJoined(absl::Seconds(2)));
  first->Leave();
  EXPECT_TRUE(second->WaitJoined(absl::Seconds(10)));
  EXPECT_TRUE(seen2.WaitFor({"same"}));
}

TEST_F(MembershipTest, EtcdDown_KeepsTheLastViewAndRejoinsAfter) {
  SeenMembers seen;
  auto r1 = Replica("r1", &seen);
  r1->Start();
  ASSERT_TRUE(r1->WaitJoined(absl::Seconds(10)));
  etcd_.Kill(0);
  absl::SleepFor(absl::Seconds(3));  // past the TTL: the lease may be gone
  EXPECT_EQ(seen.last(), (Members{"r1"}));
  ASSERT_TRUE(etcd_.Restart(0)) << etcd_.error();
  // Renewed, or granted anew when the lease expired while etcd was down.
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        std::optional<std::string> keys =
            etcd_.Etcdctl({"get", "--prefix", "--keys-only", keys_.members});
        return keys && keys->find("members/r1") != std::string::npos;
      },
      std::chrono::seconds(15)));
  EXPECT_TRUE(seen.WaitFor({"r1"}));
}

}  // namespace
}  // namespace porthole::controller
