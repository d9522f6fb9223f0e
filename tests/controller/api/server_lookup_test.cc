// FindVisibleServer through the API: 404 only when every compute host has
// answered, 503 (hosts named to admins only) while one is down or syncing.

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

class ServerLookupTest : public ::testing::Test {
 protected:
  ApiFixture api_;
};

TEST_F(ServerLookupTest, UnknownServer_EveryHostInSync_Is404) {
  HttpResponse response = api_.RemoteConsole(kUnknownId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultMessage(response),
            std::string("Instance ") + kUnknownId + " could not be found.");
}

TEST_F(ServerLookupTest, UnknownServer_HostNotInSync_Is503ForEveryone) {
  api_.directory_.SetHostInSync("compute-9", false);
  HttpResponse member = api_.RemoteConsole(kUnknownId, "vnc", "novnc", "2.6");
  EXPECT_EQ(member.status, 503);
  EXPECT_EQ(FaultName(member), "serviceUnavailable");
  EXPECT_EQ(FaultMessage(member),
            std::string("Instance ") + kUnknownId +
                " cannot be looked up now: a compute host is unreachable; "
                "try again later.");
  HttpResponse admin =
      api_.RemoteConsole(kUnknownId, "vnc", "novnc", "2.6", api_.admin_);
  EXPECT_EQ(admin.status, 503);
  EXPECT_EQ(FaultMessage(admin),
            std::string("Instance ") + kUnknownId +
                " cannot be looked up now: compute host compute-9 is "
                "unreachable or still syncing; try again later.");
  EXPECT_EQ(
      api_.Call("GET", std::string("/v2.1/servers/") + kUnknownId, api_.member_)
          .status,
      503);

  api_.directory_.SetHostInSync("compute-9", true);
  EXPECT_EQ(api_.RemoteConsole(kUnknownId, "vnc", "novnc", "2.6").status, 404);
}

TEST_F(ServerLookupTest, KnownServers_AnswerWhileAnotherHostIsDown) {
  api_.directory_.SetHostInSync("compute-9", false);
  EXPECT_EQ(api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6").status, 200);
  // Another project's server is still "not found", never 503.
  EXPECT_EQ(api_.RemoteConsole(kOtherProjectId, "vnc", "novnc", "2.6").status,
            404);
  // A name is never an id: 404 without asking anyone.
  EXPECT_EQ(api_.RemoteConsole("web-1", "vnc", "novnc", "2.6").status, 404);
}

TEST_F(ServerLookupTest, ServerOfAHostThatWentDown_Is503Not404) {
  api_.directory_.SetHostInSync(kHost, false);  // kServerId's host
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(FaultMessage(response),
            std::string("The compute host of instance ") + kServerId +
                " is unreachable; try again later.");
  // Still listed and shown, with what was last known.
  EXPECT_EQ(
      api_.Call("GET", std::string("/v2.1/servers/") + kServerId, api_.member_)
          .status,
      200);
}

}  // namespace
}  // namespace porthole::controller::testing
