// Every inventory rule, without sockets: what a WatchDomains message, a
// broken stream or a fan-out answer does to the servers the controller
// knows, which servers are reported gone (their console tokens revoked), and
// when a miss is NOT_FOUND rather than UNAVAILABLE.
#include "controller/fleet/server_inventory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kA[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kB[] = "aaaaaaaa-0000-4000-8000-000000000002";
constexpr char kC[] = "aaaaaaaa-0000-4000-8000-000000000003";
constexpr char kUnknown[] = "ffffffff-0000-4000-8000-0000000000ff";

v1::Domain D(const char* uuid,
             v1::DomainState state = v1::DOMAIN_STATE_RUNNING) {
  v1::Domain domain;
  domain.set_uuid(uuid);
  domain.set_state(state);
  return domain;
}

v1::WatchDomainsResponse Message(v1::ChangeType change,
                                 std::initializer_list<v1::Domain> domains,
                                 bool libvirt_connected = true) {
  v1::WatchDomainsResponse message;
  message.set_change(change);
  message.set_libvirt_connected(libvirt_connected);
  for (const v1::Domain& d : domains) *message.add_domains() = d;
  return message;
}

v1::WatchDomainsResponse Snapshot(std::initializer_list<v1::Domain> domains) {
  return Message(v1::CHANGE_TYPE_SNAPSHOT, domains);
}

auto Uuid(const std::string& uuid) { return Field(&GoneServer::uuid, uuid); }

class ServerInventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inventory_.AddAgent("c1");
    inventory_.AddAgent("c2");
  }

  std::string HostOf(const char* uuid) {
    std::optional<Server> s = inventory_.Find(uuid);
    return s ? s->host : "<none>";
  }
  bool Connected(const char* uuid) {
    return inventory_.Find(uuid)->host_connected;
  }

  ServerInventory inventory_;
};

TEST_F(ServerInventoryTest, NewAgent_IsNotInSyncUntilItsSnapshot) {
  EXPECT_FALSE(inventory_.InSync("c1"));
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({D(kA)})), IsEmpty());
  EXPECT_TRUE(inventory_.InSync("c1"));
  EXPECT_FALSE(inventory_.InSync("c2"));
  EXPECT_FALSE(inventory_.InSync("not-configured"));
  EXPECT_THAT(inventory_.Agents(), ElementsAre("c1", "c2"));
}

TEST_F(ServerInventoryTest, Snapshot_ReplacesThatAgentsServers_MissingAreGone) {
  inventory_.Apply("c1", Snapshot({D(kA), D(kB)}));
  inventory_.Apply("c2", Snapshot({D(kC)}));
  std::vector<GoneServer> gone = inventory_.Apply("c1", Snapshot({D(kB)}));
  EXPECT_THAT(gone, ElementsAre(Uuid(kA)));
  EXPECT_EQ(gone[0].reason, "missing from its agent's snapshot");
  EXPECT_FALSE(inventory_.Find(kA).has_value());
  EXPECT_EQ(HostOf(kB), "c1");
  EXPECT_EQ(HostOf(kC), "c2");  // another agent's servers are untouched
  EXPECT_EQ(inventory_.List().size(), 2u);
}

TEST_F(ServerInventoryTest, Resynced_ReplacesLikeASnapshot) {
  inventory_.Apply("c1", Snapshot({D(kA), D(kB)}));
  EXPECT_THAT(
      inventory_.Apply("c1", Message(v1::CHANGE_TYPE_RESYNCED, {D(kB)})),
      ElementsAre(Uuid(kA)));
  EXPECT_FALSE(inventory_.Find(kA).has_value());
}

TEST_F(ServerInventoryTest, ChangeMessages_Upsert_LeavingActiveIsStopped) {
  inventory_.Apply("c1", Snapshot({}));
  EXPECT_THAT(
      inventory_.Apply("c1", Message(v1::CHANGE_TYPE_DEFINED,
                                     {D(kA, v1::DOMAIN_STATE_SHUTOFF)})),
      IsEmpty());
  EXPECT_EQ(inventory_.Find(kA)->domain.state(), v1::DOMAIN_STATE_SHUTOFF);
  EXPECT_THAT(inventory_.Apply("c1", Message(v1::CHANGE_TYPE_STARTED, {D(kA)})),
              IsEmpty());
  EXPECT_THAT(inventory_.Apply("c1", Message(v1::CHANGE_TYPE_PAUSED,
                                             {D(kA, v1::DOMAIN_STATE_PAUSED)})),
              IsEmpty());  // paused is still active
  std::vector<GoneServer> gone = inventory_.Apply(
      "c1",
      Message(v1::CHANGE_TYPE_STOPPED, {D(kA, v1::DOMAIN_STATE_SHUTOFF)}));
  EXPECT_THAT(gone, ElementsAre(GoneServer{kA, "stopped"}));
  EXPECT_EQ(inventory_.Find(kA)->domain.state(), v1::DOMAIN_STATE_SHUTOFF);
  EXPECT_EQ(HostOf(kA), "c1");  // kept: a stopped server still exists
}

TEST_F(ServerInventoryTest, Undefined_RemovesOnlyFromItsOwnHost) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  inventory_.Apply("c2", Snapshot({}));
  EXPECT_THAT(
      inventory_.Apply("c2", Message(v1::CHANGE_TYPE_UNDEFINED, {D(kA)})),
      IsEmpty());
  EXPECT_EQ(HostOf(kA), "c1");
  EXPECT_THAT(
      inventory_.Apply("c1", Message(v1::CHANGE_TYPE_UNDEFINED, {D(kA)})),
      ElementsAre(GoneServer{kA, "undefined"}));
  EXPECT_FALSE(inventory_.Find(kA).has_value());
}

TEST_F(ServerInventoryTest,
       Disconnected_KeepsServersHostDisconnected_AgentStaysInSync) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  inventory_.Apply("c2", Snapshot({D(kB)}));
  EXPECT_THAT(
      inventory_.Apply("c1", Message(v1::CHANGE_TYPE_DISCONNECTED, {}, false)),
      IsEmpty());
  ASSERT_TRUE(inventory_.Find(kA).has_value());
  EXPECT_FALSE(Connected(kA));
  EXPECT_TRUE(Connected(kB));
  EXPECT_TRUE(inventory_.InSync("c1"));  // it answers for what it last knew
  EXPECT_TRUE(absl::IsNotFound(inventory_.MissStatus(kUnknown)));

  inventory_.Apply("c1", Message(v1::CHANGE_TYPE_RESYNCED, {D(kA)}));
  EXPECT_TRUE(Connected(kA));
}

TEST_F(ServerInventoryTest, StreamBreak_KeepsServersDisconnected_NotInSync) {
  inventory_.Apply("c1", Snapshot({D(kA), D(kB)}));
  inventory_.MarkAgentDown("c1");
  EXPECT_FALSE(inventory_.InSync("c1"));
  ASSERT_EQ(inventory_.List().size(), 2u);
  EXPECT_FALSE(Connected(kA));
  EXPECT_FALSE(Connected(kB));
  // The next stream's snapshot replaces whatever was missed meanwhile.
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({D(kA)})), ElementsAre(Uuid(kB)));
  EXPECT_TRUE(inventory_.InSync("c1"));
  EXPECT_TRUE(Connected(kA));
}

TEST_F(ServerInventoryTest, Confirm_OnlyInSync_ResetByDownOrLostLibvirt) {
  const absl::Time t = absl::FromUnixSeconds(1'800'000'000);
  inventory_.Confirm("c1", t);  // not in sync yet: no confirmation
  EXPECT_EQ(inventory_.ConfirmedAt("c1"), absl::InfinitePast());
  inventory_.Apply("c1", Snapshot({D(kA)}));
  inventory_.Confirm("c1", t);
  EXPECT_EQ(inventory_.ConfirmedAt("c1"), t);
  EXPECT_EQ(inventory_.ConfirmedAt("c2"), absl::InfinitePast());
  EXPECT_EQ(inventory_.ConfirmedAt("not-configured"), absl::InfinitePast());
  // A heartbeat message itself changes nothing.
  EXPECT_THAT(inventory_.Apply("c1", Message(v1::CHANGE_TYPE_HEARTBEAT, {})),
              IsEmpty());
  EXPECT_EQ(HostOf(kA), "c1");
  // Losing libvirt, or the stream, ends the confirmation until the next one.
  inventory_.Apply("c1", Message(v1::CHANGE_TYPE_DISCONNECTED, {}, false));
  EXPECT_EQ(inventory_.ConfirmedAt("c1"), absl::InfinitePast());
  inventory_.Apply("c1", Message(v1::CHANGE_TYPE_RESYNCED, {D(kA)}));
  inventory_.Confirm("c1", t + absl::Seconds(1));
  EXPECT_EQ(inventory_.ConfirmedAt("c1"), t + absl::Seconds(1));
  inventory_.MarkAgentDown("c1");
  EXPECT_EQ(inventory_.ConfirmedAt("c1"), absl::InfinitePast());
  inventory_.Confirm("c1", t + absl::Seconds(2));  // stray, after the break
  EXPECT_EQ(inventory_.ConfirmedAt("c1"), absl::InfinitePast());
}

TEST_F(ServerInventoryTest, ServerAppearingOnAnotherHost_IsGoneFromTheOldOne) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  inventory_.Apply("c2", Snapshot({}));
  std::vector<GoneServer> gone =
      inventory_.Apply("c2", Message(v1::CHANGE_TYPE_STARTED, {D(kA)}));
  // Its tokens point at c1: they are revoked.
  EXPECT_THAT(gone, ElementsAre(GoneServer{kA, "moved from c1 to c2"}));
  EXPECT_EQ(HostOf(kA), "c2");
  // c1's later snapshot without it takes nothing away from c2.
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({})), IsEmpty());
  EXPECT_EQ(HostOf(kA), "c2");
}

TEST_F(ServerInventoryTest, ServerInAnotherHostsSnapshot_IsGoneFromTheOldOne) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  EXPECT_THAT(inventory_.Apply("c2", Snapshot({D(kA)})),
              ElementsAre(GoneServer{kA, "moved from c1 to c2"}));
  EXPECT_EQ(HostOf(kA), "c2");
}

TEST_F(ServerInventoryTest, MigrationSource_InactiveCopyDoesNotDisplaceActive) {
  inventory_.Apply("c1", Snapshot({}));
  inventory_.Apply("c2", Snapshot({D(kA)}));
  // The source host reports its now shut-off copy after the move.
  EXPECT_THAT(
      inventory_.Apply("c1", Message(v1::CHANGE_TYPE_STOPPED,
                                     {D(kA, v1::DOMAIN_STATE_SHUTOFF)})),
      IsEmpty());
  EXPECT_EQ(HostOf(kA), "c2");
  EXPECT_EQ(inventory_.Find(kA)->domain.state(), v1::DOMAIN_STATE_RUNNING);
  // Unless the active copy's host is down: then the live report wins.
  inventory_.MarkAgentDown("c2");
  EXPECT_THAT(
      inventory_.Apply("c1", Message(v1::CHANGE_TYPE_DEFINED,
                                     {D(kA, v1::DOMAIN_STATE_SHUTOFF)})),
      ElementsAre(Uuid(kA)));
  EXPECT_EQ(HostOf(kA), "c1");
}

TEST_F(ServerInventoryTest, FanOutAnswer_UpsertsWithTheSameRules) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  EXPECT_THAT(inventory_.AddListed("c2", D(kB), true), IsEmpty());
  EXPECT_EQ(HostOf(kB), "c2");
  EXPECT_THAT(inventory_.AddListed("c2", D(kA), false),
              ElementsAre(GoneServer{kA, "moved from c1 to c2"}));
  EXPECT_FALSE(Connected(kA));  // c2 answered without libvirt
}

TEST_F(ServerInventoryTest, MessagesOfAnUnknownAgent_AreIgnored) {
  EXPECT_THAT(inventory_.Apply("gone-agent", Snapshot({D(kA)})), IsEmpty());
  EXPECT_THAT(inventory_.AddListed("gone-agent", D(kB), true), IsEmpty());
  inventory_.MarkAgentDown("gone-agent");
  EXPECT_TRUE(inventory_.List().empty());
  EXPECT_FALSE(inventory_.InSync("gone-agent"));
}

TEST_F(ServerInventoryTest, RemovedAgent_ItsServersAreForgottenNotGone) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  inventory_.Apply("c2", Snapshot({D(kB)}));
  inventory_.RemoveAgent("c1");
  EXPECT_FALSE(inventory_.Find(kA).has_value());
  EXPECT_EQ(HostOf(kB), "c2");
  EXPECT_THAT(inventory_.Agents(), ElementsAre("c2"));
  // A late message from its stopped link changes nothing.
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({D(kA)})), IsEmpty());
  EXPECT_FALSE(inventory_.Find(kA).has_value());
}

TEST_F(ServerInventoryTest, Find_ReturnsTheDomainAsReported) {
  v1::Domain domain = D(kA);
  domain.set_name("instance-0000002a");
  domain.set_project_id("p1");
  domain.set_user_id("u1");
  domain.set_display_name("web-1");
  v1::Console* console = domain.add_consoles();
  console->set_protocol(v1::PROTOCOL_VNC);
  console->set_host("192.0.2.7");
  console->set_port(5901);
  inventory_.Apply("c1", Snapshot({domain}));
  std::optional<Server> found = inventory_.Find(kA);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->domain.SerializeAsString(), domain.SerializeAsString());
  ASSERT_EQ(inventory_.List().size(), 1u);
  EXPECT_EQ(inventory_.List()[0].domain.display_name(), "web-1");
}

TEST_F(ServerInventoryTest, MovedServer_BelongsOnlyToItsNewHost) {
  inventory_.Apply("c1", Snapshot({D(kA), D(kB)}));
  inventory_.Apply("c2", Snapshot({D(kA)}));  // kA moved to c2
  // c1 no longer answers for kA: its next snapshot, its outage and its
  // removal leave kA on c2 alone.
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({D(kB)})), IsEmpty());
  inventory_.MarkAgentDown("c1");
  EXPECT_TRUE(Connected(kA));
  EXPECT_FALSE(Connected(kB));
  inventory_.RemoveAgent("c1");
  EXPECT_EQ(HostOf(kA), "c2");
  EXPECT_FALSE(inventory_.Find(kB).has_value());
  // And c2's next snapshot without it is kA's end.
  EXPECT_THAT(inventory_.Apply("c2", Snapshot({})), ElementsAre(Uuid(kA)));
}

TEST_F(ServerInventoryTest, Find_IgnoresCase) {
  inventory_.Apply("c1", Snapshot({D(kA)}));
  EXPECT_EQ(HostOf("AAAAAAAA-0000-4000-8000-000000000001"), "c1");
}

TEST_F(ServerInventoryTest, UuidInUppercase_IsKeptAndReportedInLowercase) {
  inventory_.Apply("c1", Snapshot({D("AAAAAAAA-0000-4000-8000-000000000001")}));
  std::optional<Server> found = inventory_.Find(kA);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->domain.uuid(), kA);
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({})), ElementsAre(Uuid(kA)));
}

TEST_F(ServerInventoryTest, DomainWhoseUuidIsNotAUuid_IsIgnored) {
  EXPECT_THAT(inventory_.Apply("c1", Snapshot({D("instance-0000002a"), D(kA)})),
              IsEmpty());
  EXPECT_TRUE(inventory_.InSync("c1"));
  EXPECT_FALSE(inventory_.Find("instance-0000002a").has_value());
  EXPECT_EQ(inventory_.List().size(), 1u);
}

TEST_F(ServerInventoryTest, Miss_EveryAgentInSync_IsNotFound) {
  inventory_.Apply("c1", Snapshot({}));
  inventory_.Apply("c2", Snapshot({}));
  EXPECT_TRUE(absl::IsNotFound(inventory_.MissStatus(kUnknown)));
}

TEST_F(ServerInventoryTest, Miss_AgentNeverSynced_IsUnavailableNamingIt) {
  inventory_.Apply("c1", Snapshot({}));
  absl::Status miss = inventory_.MissStatus(kUnknown);
  EXPECT_TRUE(absl::IsUnavailable(miss)) << miss;
  EXPECT_EQ(miss.message(), "compute host c2 is unreachable or still syncing");
}

TEST_F(ServerInventoryTest, Miss_AgentDown_IsUnavailable_UntilItAnswers) {
  inventory_.Apply("c1", Snapshot({}));
  inventory_.Apply("c2", Snapshot({}));
  inventory_.MarkAgentDown("c2");
  EXPECT_TRUE(absl::IsUnavailable(inventory_.MissStatus(kUnknown)));
  // Its stream is still down, but it answered the fan-out: it vouches.
  FanOutAnswers answers;
  answers.answered = {"c1", "c2"};
  EXPECT_TRUE(absl::IsNotFound(inventory_.MissStatus(kUnknown, answers)));
}

TEST_F(ServerInventoryTest, Miss_InSyncAgentUnreachableByFanOut_IsUnavailable) {
  // A hung agent: its stream still looks up, its ListDomains timed out.
  inventory_.Apply("c1", Snapshot({}));
  inventory_.Apply("c2", Snapshot({}));
  FanOutAnswers answers;
  answers.answered = {"c1"};
  answers.unreachable = {"c2"};
  absl::Status miss = inventory_.MissStatus(kUnknown, answers);
  EXPECT_TRUE(absl::IsUnavailable(miss)) << miss;
  EXPECT_EQ(miss.message(), "compute host c2 is unreachable or still syncing");
}

TEST_F(ServerInventoryTest, Miss_SeveralSilentAgents_AreAllNamed) {
  inventory_.AddAgent("c3");
  inventory_.Apply("c2", Snapshot({}));
  EXPECT_EQ(inventory_.MissStatus(kUnknown).message(),
            "compute hosts c1, c3 are unreachable or still syncing");
}

TEST(ServerInventory, NoAgents_MissIsNotFound) {
  ServerInventory inventory;
  EXPECT_TRUE(absl::IsNotFound(inventory.MissStatus(kUnknown)));
}

TEST(ServerInventory, ConcurrentFeedsAndReads_StayConsistent) {
  ServerInventory inventory;
  inventory.AddAgent("c1");
  inventory.AddAgent("c2");
  std::vector<std::thread> threads;
  for (const char* agent : {"c1", "c2"}) {
    threads.emplace_back([&inventory, agent] {
      for (int i = 0; i < 500; ++i) {
        inventory.Apply(agent, Snapshot({D(kA), D(kB)}));
        inventory.MarkAgentDown(agent);
      }
    });
  }
  threads.emplace_back([&inventory] {
    for (int i = 0; i < 500; ++i) {
      for (const Server& s : inventory.List()) {
        EXPECT_TRUE(s.host == "c1" || s.host == "c2");
      }
      (void)inventory.MissStatus(kUnknown);
    }
  });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(inventory.List().size(), 2u);
}

}  // namespace
}  // namespace porthole::controller
