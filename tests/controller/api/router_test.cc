#include "controller/api/router.h"

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

TEST(MatchMountTest, SplitsTheThreeApps) {
  EXPECT_EQ(MatchMount("/v2.1").mount, Mount::kV21);
  EXPECT_EQ(MatchMount("/v2.1/servers").rest, "/servers");
  EXPECT_EQ(MatchMount("/v2/servers").mount, Mount::kV2);
  EXPECT_EQ(MatchMount("/v2.10/servers").mount, Mount::kRoot);
  EXPECT_EQ(MatchMount("/v2.1x").mount, Mount::kRoot);
  EXPECT_EQ(MatchMount("/servers").mount, Mount::kRoot);
}

TEST(SplitTargetTest, SplitsAtTheFirstQuestionMark) {
  RequestTarget target = SplitTarget("/v2.1/servers?name=a?b");
  EXPECT_EQ(target.path, "/v2.1/servers");
  EXPECT_EQ(target.query, "name=a?b");
}

TEST(MatchRouteTest, ServerRoutes) {
  EXPECT_EQ(MatchRoute("GET", "/servers").id, RouteId::kServersIndex);
  EXPECT_EQ(MatchRoute("GET", "/servers/").id, RouteId::kServersIndex);
  EXPECT_EQ(MatchRoute("GET", "/servers/detail").id, RouteId::kServersDetail);
  Route show = MatchRoute("GET", "/servers/abc");
  EXPECT_EQ(show.id, RouteId::kServerShow);
  EXPECT_EQ(show.param, "abc");
  EXPECT_EQ(MatchRoute("POST", "/servers/abc/action").id,
            RouteId::kServerAction);
  EXPECT_EQ(MatchRoute("POST", "/servers/abc/remote-consoles").id,
            RouteId::kRemoteConsoles);
  EXPECT_EQ(MatchRoute("GET", "/servers/abc/consoles").id,
            RouteId::kRemovedConsoles);
  EXPECT_EQ(MatchRoute("DELETE", "/servers/abc/consoles/1").id,
            RouteId::kRemovedConsoles);
}

TEST(MatchRouteTest, WrongMethodOrUnknownPath_IsNotFound) {
  EXPECT_EQ(MatchRoute("GET", "/servers/abc/remote-consoles").id,
            RouteId::kNotFound);
  EXPECT_EQ(MatchRoute("PUT", "/servers/abc").id, RouteId::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/flavors").id, RouteId::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/servers//action").id, RouteId::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/os-console-auth-tokens/").id,
            RouteId::kNotFound);
  EXPECT_EQ(MatchRoute("HEAD", "/servers").id, RouteId::kNotFound);
}

TEST(MatchRouteTest, HexProjectPrefix_IsCaptured) {
  Route route = MatchRoute("POST", "/0a1b-2c/servers/x/remote-consoles");
  EXPECT_EQ(route.id, RouteId::kRemoteConsoles);
  EXPECT_EQ(route.project_id, "0a1b-2c");
  EXPECT_EQ(MatchRoute("GET", "/abc").id, RouteId::kProjectRoot);
  EXPECT_EQ(MatchRoute("GET", "/abc/").id, RouteId::kProjectRoot);
  // Not [0-9a-f-]+: no route at all.
  EXPECT_EQ(MatchRoute("GET", "/ABC/servers").id, RouteId::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/proj/servers").id, RouteId::kNotFound);
}

TEST(MatchRouteTest, SegmentsArePercentDecoded) {
  Route route = MatchRoute("GET", "/os-console-auth-tokens/a%2Db");
  EXPECT_EQ(route.id, RouteId::kConsoleAuthTokenShow);
  EXPECT_EQ(route.param, "a-b");
  EXPECT_EQ(MatchRoute("GET", "/%73ervers").id, RouteId::kServersIndex);
}

TEST(RedactPathForLogTest, HidesConsoleTokens) {
  EXPECT_EQ(RedactPathForLog("/v2.1/os-console-auth-tokens/secret"),
            "/v2.1/os-console-auth-tokens/***");
  EXPECT_EQ(RedactPathForLog("/v2.1/p/os-console-auth%2dtokens/secret/x"),
            "/v2.1/p/os-console-auth%2dtokens/***/x");
  EXPECT_EQ(RedactPathForLog("/v2.1/servers/abc"), "/v2.1/servers/abc");
  EXPECT_EQ(RedactPathForLog("/"), "/");
}

TEST(RedactPathForLogTest, CutsLongPaths) {
  std::string path = "/" + std::string(2000, 'a');
  EXPECT_EQ(RedactPathForLog(path, 100).size(), 103u);
}

TEST(Router, PortholeMount_RoutesTheConsoleSessionAdminApi) {
  const MountMatch mount = MatchMount("/porthole/v1/console-sessions");
  EXPECT_EQ(mount.mount, Mount::kPorthole);
  EXPECT_EQ(mount.rest, "/console-sessions");
  EXPECT_EQ(MatchPortholeRoute("GET", "/console-sessions").id,
            RouteId::kConsoleSessionsList);
  EXPECT_EQ(MatchPortholeRoute("GET", "/console-sessions/").id,
            RouteId::kConsoleSessionsList);
  Route one = MatchPortholeRoute("DELETE", "/console-sessions/abc");
  EXPECT_EQ(one.id, RouteId::kConsoleSessionDelete);
  EXPECT_EQ(one.param, "abc");
  Route server = MatchPortholeRoute("DELETE", "/servers/s-1/console-sessions");
  EXPECT_EQ(server.id, RouteId::kServerConsoleSessionsDelete);
  EXPECT_EQ(server.param, "s-1");
  // Wrong methods and Nova's routes are not here.
  EXPECT_EQ(MatchPortholeRoute("POST", "/console-sessions").id,
            RouteId::kNotFound);
  EXPECT_EQ(MatchPortholeRoute("GET", "/console-sessions/abc").id,
            RouteId::kNotFound);
  EXPECT_EQ(MatchPortholeRoute("GET", "/servers").id, RouteId::kNotFound);
  EXPECT_EQ(MatchMount("/porthole/v10").mount, Mount::kRoot);
}

}  // namespace
}  // namespace porthole::controller
