// StaticServerDirectory answers GetConsole the way an agent does.

#include "tests/support/static_server_directory.h"

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

TEST(StaticServerDirectoryTest, RunningServer_GivesItsConsoleOfThatProtocol) {
  StaticServerDirectory directory(StandardServers());
  auto answer = directory.GetConsole(*directory.Find(kServerId),
                                     agent::v1::PROTOCOL_SPICE, "req-1");
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(answer->has_console());
  EXPECT_EQ(answer->console().port(), 5902u);
  EXPECT_EQ(answer->domain().uuid(), kServerId);
  EXPECT_EQ(directory.last_request_id(), "req-1");
}

TEST(StaticServerDirectoryTest, NoSuchConsole_IsOkWithoutConsole) {
  StaticServerDirectory directory(StandardServers());
  auto answer = directory.GetConsole(*directory.Find(kNoGraphicsId),
                                     agent::v1::PROTOCOL_VNC, "");
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->has_console());
}

TEST(StaticServerDirectoryTest, StatesAndFaults_MapLikeTheAgent) {
  StaticServerDirectory directory(StandardServers());
  auto get = [&](const char* id) {
    Server server = directory.Find(id).value_or(Server{});
    server.domain.set_uuid(id);
    return directory.GetConsole(server, agent::v1::PROTOCOL_VNC, "").status();
  };
  EXPECT_TRUE(absl::IsFailedPrecondition(get(kStoppedId)));
  EXPECT_TRUE(get(kPausedId).ok());
  EXPECT_TRUE(absl::IsUnavailable(get(kDisconnectedId)));
  EXPECT_TRUE(absl::IsNotFound(get(kUnknownId)));
}

TEST(StaticServerDirectoryTest, UpsertAndRemove_ChangeTheList) {
  StaticServerDirectory directory;
  EXPECT_TRUE(directory.List().empty());
  directory.Upsert(MakeServer(kServerId, "a", kProject));
  directory.Upsert(MakeServer(kServerId, "b", kProject));
  ASSERT_EQ(directory.List().size(), 1u);
  EXPECT_EQ(directory.List()[0].domain.display_name(), "b");
  directory.Remove(kServerId);
  EXPECT_TRUE(absl::IsNotFound(directory.Find(kServerId).status()));
}

}  // namespace
}  // namespace porthole::controller::testing
