// The fleet index two replicas share, against a real etcd: one publishes
// what its host's agent says, the other finds it.
#include "controller/cluster/etcd_fleet_index.h"

#include <gtest/gtest.h>

#include "tests/controller/cluster/cluster_test_support.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;

constexpr char kUuid[] = "0b1a2c3d-0000-4000-8000-0000000000a1";
constexpr char kOther[] = "0b1a2c3d-0000-4000-8000-0000000000a2";

v1::Domain Domain(const std::string& uuid, v1::DomainState state) {
  v1::Domain d;
  d.set_uuid(uuid);
  d.set_name("instance-" + uuid.substr(uuid.size() - 2));
  d.set_state(state);
  d.set_project_id("p1");
  d.set_user_id("u1");
  d.set_display_name("vm");
  v1::Console* console = d.add_consoles();  // not indexed
  console->set_protocol(v1::PROTOCOL_VNC);
  console->set_port(5901);
  return d;
}

v1::WatchDomainsResponse Message(v1::ChangeType change,
                                 std::vector<v1::Domain> domains) {
  v1::WatchDomainsResponse message;
  message.set_change(change);
  message.set_libvirt_connected(true);
  for (v1::Domain& d : domains) *message.add_domains() = std::move(d);
  return message;
}

class EtcdFleetIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start()) << etcd_.error() << etcd_.Logs();
    client_ = ClientOf(etcd_, "/x");
    ASSERT_NE(client_, nullptr);
    a_ = std::make_unique<EtcdFleetIndex>(client_.get(), keys_, "ra");
    b_ = std::make_unique<EtcdFleetIndex>(client_.get(), keys_, "rb");
    a_->Start();
    b_->Start();
    ASSERT_TRUE(a_->WaitListed(absl::Seconds(10)));
    ASSERT_TRUE(b_->WaitListed(absl::Seconds(10)));
  }

  // The store's revision: moves with every write.
  int64_t Revision() {
    etcdserverpb::RangeRequest request;
    request.set_key(keys_.fleet);
    absl::StatusOr<etcdserverpb::RangeResponse> r = client_->Range(request);
    return r.ok() ? r->header().revision() : -1;
  }

  bool BSees(const std::string& uuid, const std::string& host) {
    return testing::WaitFor(
        [&] {
          std::optional<Server> s = b_->Find(uuid);
          return s.has_value() && s->host == host;
        },
        std::chrono::seconds(10));
  }

  testing::EtcdCluster etcd_{1};
  std::unique_ptr<EtcdClient> client_;
  const ClusterKeys keys_{"/x"};
  std::unique_ptr<EtcdFleetIndex> a_, b_;
};

TEST_F(EtcdFleetIndexTest, Snapshot_ReachesTheOtherReplicaWithoutConsoles) {
  a_->Publish("c1", Message(v1::CHANGE_TYPE_SNAPSHOT,
                            {Domain(kUuid, v1::DOMAIN_STATE_RUNNING)}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  ASSERT_TRUE(BSees(kUuid, "c1"));
  // The host's record comes right after its servers'.
  ASSERT_TRUE(testing::WaitFor([&] { return b_->NotInSync({"c1"}).empty(); },
                               std::chrono::seconds(10)));
  std::optional<Server> found = b_->Find(kUuid);
  EXPECT_EQ(found->domain.project_id(), "p1");
  EXPECT_EQ(found->domain.user_id(), "u1");
  EXPECT_EQ(found->domain.name(), "instance-a1");
  EXPECT_EQ(found->domain.consoles_size(), 0);
  EXPECT_TRUE(found->host_connected);
  EXPECT_EQ(b_->NotInSync({"c1", "c9"}), std::vector<std::string>{"c9"});
}

TEST_F(EtcdFleetIndexTest, Read_SeesAWriteBeforeTheWatchDoes) {
  a_->Publish("c1", Message(v1::CHANGE_TYPE_STARTED,
                            {Domain(kOther, v1::DOMAIN_STATE_RUNNING)}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  absl::StatusOr<std::optional<Server>> read = b_->Read(kOther);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ((*read)->host, "c1");
  absl::StatusOr<std::optional<Server>> missing =
      b_->Read("0b1a2c3d-0000-4000-8000-0000000000ff");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(EtcdFleetIndexTest, UnchangedSnapshot_WritesNothing) {
  auto snapshot = Message(v1::CHANGE_TYPE_SNAPSHOT,
                          {Domain(kUuid, v1::DOMAIN_STATE_RUNNING),
                           Domain(kOther, v1::DOMAIN_STATE_SHUTOFF)});
  a_->Publish("c1", snapshot);
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  ASSERT_TRUE(BSees(kOther, "c1"));
  const int64_t before = Revision();
  a_->Publish("c1", snapshot);
  a_->Publish("c1", Message(v1::CHANGE_TYPE_HEARTBEAT, {}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  EXPECT_EQ(Revision(), before);
}

TEST_F(EtcdFleetIndexTest, SnapshotAndUndefine_DeleteWhatIsGone) {
  a_->Publish("c1", Message(v1::CHANGE_TYPE_SNAPSHOT,
                            {Domain(kUuid, v1::DOMAIN_STATE_RUNNING),
                             Domain(kOther, v1::DOMAIN_STATE_RUNNING)}));
  a_->Publish("c1", Message(v1::CHANGE_TYPE_UNDEFINED,
                            {Domain(kUuid, v1::DOMAIN_STATE_SHUTOFF)}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  ASSERT_TRUE(BSees(kOther, "c1"));
  // The undefine's delete comes after kOther's put on the watch.
  EXPECT_TRUE(testing::WaitFor([&] { return !b_->Find(kUuid).has_value(); },
                               std::chrono::seconds(10)));
  // A new replica following c1 after a handover: its snapshot lacks kOther.
  b_->Publish("c1", Message(v1::CHANGE_TYPE_SNAPSHOT, {}));
  ASSERT_TRUE(b_->Flush(absl::Seconds(10)));
  EXPECT_TRUE(testing::WaitFor([&] { return !a_->Find(kOther).has_value(); },
                               std::chrono::seconds(10)));
}

TEST_F(EtcdFleetIndexTest, Move_OldHostsDeleteNeverRemovesTheNewRecord) {
  a_->Publish("c1", Message(v1::CHANGE_TYPE_SNAPSHOT,
                            {Domain(kUuid, v1::DOMAIN_STATE_RUNNING)}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  ASSERT_TRUE(BSees(kUuid, "c1"));
  // Migrated: c2's owner (b) reports it running; c1's owner (a) then sees
  // the inactive copy and its undefine.
  b_->Publish("c2", Message(v1::CHANGE_TYPE_SNAPSHOT,
                            {Domain(kUuid, v1::DOMAIN_STATE_RUNNING)}));
  ASSERT_TRUE(b_->Flush(absl::Seconds(10)));
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        std::optional<Server> s = a_->Find(kUuid);
        return s && s->host == "c2";
      },
      std::chrono::seconds(10)));
  a_->Publish("c1", Message(v1::CHANGE_TYPE_STOPPED,
                            {Domain(kUuid, v1::DOMAIN_STATE_SHUTOFF)}));
  a_->Publish("c1", Message(v1::CHANGE_TYPE_UNDEFINED,
                            {Domain(kUuid, v1::DOMAIN_STATE_SHUTOFF)}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  absl::StatusOr<std::optional<Server>> read = b_->Read(kUuid);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->host, "c2");
  EXPECT_EQ((*read)->domain.state(), v1::DOMAIN_STATE_RUNNING);
}

TEST_F(EtcdFleetIndexTest, HostDown_MarksItsServersNotConnected) {
  a_->Publish("c1", Message(v1::CHANGE_TYPE_SNAPSHOT,
                            {Domain(kUuid, v1::DOMAIN_STATE_RUNNING)}));
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  ASSERT_TRUE(BSees(kUuid, "c1"));
  a_->PublishHostDown("c1");
  ASSERT_TRUE(a_->Flush(absl::Seconds(10)));
  EXPECT_TRUE(testing::WaitFor([&] { return !b_->Find(kUuid)->host_connected; },
                               std::chrono::seconds(10)));
  EXPECT_EQ(b_->NotInSync({"c1"}), std::vector<std::string>{"c1"});
}

TEST_F(EtcdFleetIndexTest, EtcdDown_WritesWaitAndLandAfter) {
  etcd_.Kill(0);
  a_->Publish("c1", Message(v1::CHANGE_TYPE_SNAPSHOT,
                            {Domain(kUuid, v1::DOMAIN_STATE_RUNNING)}));
  EXPECT_FALSE(a_->Flush(absl::Seconds(2)));
  EXPECT_FALSE(b_->Read(kUuid).ok());
  ASSERT_TRUE(etcd_.Restart(0)) << etcd_.error();
  ASSERT_TRUE(a_->Flush(absl::Seconds(20)));
  EXPECT_TRUE(BSees(kUuid, "c1"));
}

}  // namespace
}  // namespace porthole::controller
