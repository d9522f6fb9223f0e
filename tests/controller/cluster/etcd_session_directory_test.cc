// Two replicas' sessions through a real etcd: each publishes its registry
// (SessionPublisher on its membership lease), either lists both and ends
// the other's (EtcdSessionDirectory), and a replica that leaves takes its
// records with it.
#include "controller/cluster/etcd_session_directory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/cluster/membership.h"
#include "controller/cluster/session_publisher.h"
#include "controller/cluster/shared_session.h"
#include "tests/controller/cluster/cluster_test_support.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

constexpr char kServer[] = "5e7d0000-0000-4000-8000-000000000001";

// One replica: its registry, membership, publisher and directory.
struct Replica {
  Replica(EtcdClient* client, const ClusterKeys& keys, const std::string& name)
      : membership(client, keys, ClusterOptions{name, absl::Seconds(2)},
                   [](const std::vector<std::string>&) {}),
        publisher(client, keys, &registry, &membership,
                  absl::Milliseconds(200)),
        directory(client, keys, &registry, name, absl::Seconds(2)) {}

  void Start() {
    membership.Start();
    publisher.Start();
    directory.Start();
  }
  void Stop() {
    publisher.Stop();
    directory.Stop();
    membership.Leave();
  }

  ConsoleSessionRegistry registry;
  Membership membership;
  SessionPublisher publisher;
  EtcdSessionDirectory directory;
};

// A live session in a replica's registry whose end is recorded, as the
// proxy's end function would post it to the relay.
class FakeRelay {
 public:
  FakeRelay(Replica& replica, const std::string& id,
            const std::string& server) {
    ConsoleSessionInfo info;
    info.id = id;
    info.server_id = server;
    info.console_type = "novnc";
    info.user_id = "alice";
    info.replica = replica.membership.name();
    info.started = absl::Now();
    registration_.emplace(replica.registry.Add(
        info, &bytes_, [this](SessionEnd why) { ended_ = why; }));
  }

  SessionByteCounters& bytes() { return bytes_; }
  std::optional<SessionEnd> ended() const { return ended_.load(); }
  void Close() { registration_.reset(); }

 private:
  SessionByteCounters bytes_;
  std::atomic<std::optional<SessionEnd>> ended_;
  std::optional<ConsoleSessionRegistry::Registration> registration_;
};

class EtcdSessionDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start()) << etcd_.error() << etcd_.Logs();
    client_ = ClientOf(etcd_, "/s");
    ASSERT_NE(client_, nullptr);
    a_ = std::make_unique<Replica>(client_.get(), keys_, "a");
    b_ = std::make_unique<Replica>(client_.get(), keys_, "b");
    a_->Start();
    b_->Start();
    ASSERT_TRUE(a_->membership.WaitJoined(absl::Seconds(10)));
    ASSERT_TRUE(b_->membership.WaitJoined(absl::Seconds(10)));
  }

  // The sessions `replica` lists, as "id@replica" strings.
  std::vector<std::string> Listed(Replica& replica,
                                  const ConsoleSessionFilter& filter = {}) {
    std::vector<std::string> out;
    absl::StatusOr<std::vector<ConsoleSessionSnapshot>> listed =
        replica.directory.List(filter);
    if (!listed.ok()) return {listed.status().ToString()};
    for (const ConsoleSessionSnapshot& s : *listed) {
      out.push_back(s.info.id + "@" + s.info.replica);
    }
    return out;
  }

  bool WaitListed(Replica& replica, const std::vector<std::string>& expected) {
    return testing::WaitFor([&] { return Listed(replica) == expected; },
                            std::chrono::seconds(10));
  }

  testing::EtcdCluster etcd_{1};
  std::unique_ptr<EtcdClient> client_;
  const ClusterKeys keys_{"/s"};
  std::unique_ptr<Replica> a_;
  std::unique_ptr<Replica> b_;
};

constexpr char kOne[] = "00000000-0000-4000-8000-0000000000a1";
constexpr char kTwo[] = "00000000-0000-4000-8000-0000000000b2";

TEST_F(EtcdSessionDirectoryTest, EitherReplica_ListsBoth_ByteCountsRefresh) {
  FakeRelay one(*a_, kOne, kServer);
  FakeRelay two(*b_, kTwo, "5e7d0000-0000-4000-8000-000000000002");
  const std::vector<std::string> both = {std::string(kOne) + "@a",
                                         std::string(kTwo) + "@b"};
  EXPECT_TRUE(WaitListed(*a_, both)) << ::testing::PrintToString(Listed(*a_));
  EXPECT_TRUE(WaitListed(*b_, both)) << ::testing::PrintToString(Listed(*b_));
  EXPECT_EQ(Listed(*b_, {kServer, ""}),
            std::vector<std::string>{std::string(kOne) + "@a"});
  EXPECT_EQ(Listed(*b_, {"", "bob"}), std::vector<std::string>{});

  // a's counts reach b's listing within a refresh (200 ms here).
  one.bytes().down.store(12345);
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        auto listed = b_->directory.List({kServer, ""});
        return listed.ok() && listed->size() == 1 &&
               (*listed)[0].bytes_down == 12345;
      },
      std::chrono::seconds(5)));

  // An ended session leaves every listing.
  one.Close();
  const std::vector<std::string> only_two = {std::string(kTwo) + "@b"};
  EXPECT_TRUE(WaitListed(*b_, only_two))
      << ::testing::PrintToString(Listed(*b_));
}

TEST_F(EtcdSessionDirectoryTest, EndThroughOtherReplica_EndsItThere) {
  FakeRelay one(*a_, kOne, kServer);
  ASSERT_TRUE(WaitListed(*b_, {std::string(kOne) + "@a"}));
  // The relay closes when told to, as the proxy's does.
  std::thread closer([&] {
    testing::WaitFor([&] { return one.ended().has_value(); },
                     std::chrono::seconds(5));
    one.Close();
  });
  absl::StatusOr<SessionDirectory::EndOutcome> ended =
      b_->directory.End(kOne, SessionEnd::kEndedByAdmin);
  closer.join();
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(*ended, SessionDirectory::EndOutcome::kEnded);
  EXPECT_EQ(one.ended(), SessionEnd::kEndedByAdmin);

  absl::StatusOr<SessionDirectory::EndOutcome> again =
      b_->directory.End(kOne, SessionEnd::kEndedByAdmin);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, SessionDirectory::EndOutcome::kNotFound);
  absl::StatusOr<SessionDirectory::EndOutcome> junk =
      b_->directory.End("not-a-uuid", SessionEnd::kEndedByAdmin);
  ASSERT_TRUE(junk.ok());
  EXPECT_EQ(*junk, SessionDirectory::EndOutcome::kNotFound);
}

TEST_F(EtcdSessionDirectoryTest, SessionThatDoesNotClose_IsReportedRequested) {
  FakeRelay one(*a_, kOne, kServer);
  ASSERT_TRUE(WaitListed(*b_, {std::string(kOne) + "@a"}));
  absl::StatusOr<SessionDirectory::EndOutcome> ended =
      b_->directory.End(kOne, SessionEnd::kEndedByAdmin);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(*ended, SessionDirectory::EndOutcome::kRequested);
  EXPECT_EQ(one.ended(), SessionEnd::kEndedByAdmin);
}

TEST_F(EtcdSessionDirectoryTest, EndForServer_EndsEveryReplicasSessions) {
  FakeRelay one(*a_, kOne, kServer);
  FakeRelay two(*b_, kTwo, kServer);
  ASSERT_TRUE(
      WaitListed(*b_, {std::string(kOne) + "@a", std::string(kTwo) + "@b"}));
  absl::StatusOr<size_t> ended =
      b_->directory.EndForServer(kServer, SessionEnd::kEndedByAdmin);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(*ended, 2u);
  EXPECT_EQ(two.ended(), SessionEnd::kEndedByAdmin);
  EXPECT_TRUE(testing::WaitFor([&] { return one.ended().has_value(); },
                               std::chrono::seconds(5)));
  EXPECT_EQ(one.ended(), SessionEnd::kEndedByAdmin);
}

TEST_F(EtcdSessionDirectoryTest, ReplicaLeaves_ItsSessionsLeaveTheListing) {
  FakeRelay one(*a_, kOne, kServer);
  ASSERT_TRUE(WaitListed(*b_, {std::string(kOne) + "@a"}));
  a_->Stop();
  EXPECT_TRUE(WaitListed(*b_, {})) << ::testing::PrintToString(Listed(*b_));
  one.Close();
}

TEST_F(EtcdSessionDirectoryTest, EtcdDown_ListIsUnavailable) {
  etcd_.Kill(0);
  absl::StatusOr<std::vector<ConsoleSessionSnapshot>> listed =
      b_->directory.List({});
  EXPECT_TRUE(absl::IsUnavailable(listed.status())) << listed.status();
}

TEST(SharedSessionTest, RoundTrips_RefusesJunk) {
  ConsoleSessionSnapshot s;
  s.info.id = kOne;
  s.info.server_id = kServer;
  s.info.console_type = "serial";
  s.info.replica = "r1";
  s.info.token_hash = "never-published";
  s.info.started = absl::FromUnixNanos(1'700'000'000'123'456'789);
  s.bytes_up = 7;
  s.bytes_down = 1ull << 40;
  const std::string value = EncodeSharedSession(s);
  EXPECT_EQ(value.find("never-published"), std::string::npos);
  absl::StatusOr<ConsoleSessionSnapshot> back = DecodeSharedSession(value);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->info.id, kOne);
  EXPECT_EQ(back->info.started, s.info.started);
  EXPECT_EQ(back->bytes_down, 1ull << 40);
  EXPECT_TRUE(back->info.token_hash.empty());

  EXPECT_FALSE(DecodeSharedSession("{").ok());
  EXPECT_FALSE(DecodeSharedSession("[]").ok());
  EXPECT_FALSE(DecodeSharedSession(R"({"id": 5})").ok());

  const std::string prefix = "/p/sessions/ends/";
  absl::StatusOr<SessionEndRequest> parsed = ParseSessionEndKey(
      prefix,
      SessionEndKey(prefix, {SessionEndRequest::Scope::kServer, kServer}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->scope, SessionEndRequest::Scope::kServer);
  EXPECT_EQ(parsed->id, kServer);
  EXPECT_FALSE(ParseSessionEndKey(prefix, prefix + "session/../x").ok());
  EXPECT_FALSE(ParseSessionEndKey(prefix, prefix + "other/" + kOne).ok());
}

}  // namespace
}  // namespace porthole::controller
