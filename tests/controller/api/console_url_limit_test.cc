// The console URL limit ([api] console_urls_per_minute / _burst): the
// RateLimiter (common/) wired into the console routes, per user id.
#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

class ConsoleUrlLimitTest : public ::testing::Test {
 protected:
  static ApiConfig Limited() {
    ApiConfig config;
    config.console_url_limit = {.per_minute = 2, .burst = 3};  // one per 30 s
    return config;
  }
  HttpResponse LegacyVnc(const std::string& token) {
    return api_.Call(
        "POST", std::string("/v2.1/servers/") + testing::kServerId + "/action",
        token, "2.1", R"({"os-getVNCConsole": {"type": "novnc"}})");
  }
  testing::ApiFixture api_{testing::AuthKind::kTokensFile, Limited()};
};

TEST_F(ConsoleUrlLimitTest, PastTheBurst_429OverLimitWithRetryAfter) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(
        api_.RemoteConsole(testing::kServerId, "vnc", "novnc", "2.6").status,
        200)
        << i;
  }
  HttpResponse refused =
      api_.RemoteConsole(testing::kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(testing::BodyOf(refused), nlohmann::ordered_json::parse(
                                          R"({"overLimit": {"code": 429,
                    "message": "This request was rate-limited."}})"));
  EXPECT_EQ(refused.Header("Retry-After"), "30");
  EXPECT_EQ(refused.Header("Content-Type"), "application/json; charset=UTF-8");
  EXPECT_EQ(refused.Header("OpenStack-API-Version"), "compute 2.6");
  EXPECT_TRUE(refused.Header("x-openstack-request-id").has_value());
}

TEST_F(ConsoleUrlLimitTest, LegacyActionsAndRemoteConsoles_ShareOneBucket) {
  EXPECT_EQ(LegacyVnc(api_.member_).status, 200);
  EXPECT_EQ(
      api_.RemoteConsole(testing::kServerId, "serial", "serial", "2.6").status,
      200);
  EXPECT_EQ(LegacyVnc(api_.member_).status, 200);
  EXPECT_EQ(LegacyVnc(api_.member_).status, 429);
  EXPECT_EQ(
      api_.RemoteConsole(testing::kServerId, "vnc", "novnc", "2.6").status,
      429);
}

TEST_F(ConsoleUrlLimitTest, OtherUsers_AndOtherRoutes_AreNotLimited) {
  for (int i = 0; i < 4; ++i) LegacyVnc(api_.member_);
  ASSERT_EQ(LegacyVnc(api_.member_).status, 429);
  EXPECT_EQ(api_.RemoteConsole(testing::kOtherProjectId, "vnc", "novnc", "2.6",
                               api_.other_member_)
                .status,
            200);
  EXPECT_EQ(
      api_.RemoteConsole(testing::kServerId, "vnc", "novnc", "2.6", api_.admin_)
          .status,
      200);
  EXPECT_EQ(api_.Call("GET", "/v2.1/servers", api_.member_).status, 200);
  EXPECT_EQ(api_.Call("GET", "/v2.1", api_.member_).status, 200);
}

TEST_F(ConsoleUrlLimitTest, AfterRetryAfter_OneMoreUrl) {
  for (int i = 0; i < 3; ++i) LegacyVnc(api_.member_);
  HttpResponse refused = LegacyVnc(api_.member_);
  ASSERT_EQ(refused.status, 429);
  api_.now_ += 29;
  EXPECT_EQ(LegacyVnc(api_.member_).Header("Retry-After"), "1");
  api_.now_ += 1;
  EXPECT_EQ(LegacyVnc(api_.member_).status, 200);
  EXPECT_EQ(LegacyVnc(api_.member_).status, 429);
}

// Every request to the console routes costs a token, as under Nova's
// rate-limiting middleware (it runs before the body is read).
TEST_F(ConsoleUrlLimitTest, MalformedRequests_CountToo) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(api_.Call("POST",
                        std::string("/v2.1/servers/") + testing::kServerId +
                            "/remote-consoles",
                        api_.member_, "2.6", "{nope")
                  .status,
              400);
  }
  EXPECT_EQ(
      api_.RemoteConsole(testing::kServerId, "vnc", "novnc", "2.6").status,
      429);
}

TEST(ConsoleUrlLimitDefault, BareApiConfig_IsUnlimited) {
  testing::ApiFixture api;
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(
        api.RemoteConsole(testing::kServerId, "vnc", "novnc", "2.6").status,
        200)
        << i;
  }
}

}  // namespace
}  // namespace porthole::controller
