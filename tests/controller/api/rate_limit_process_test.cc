// The console URL limit per user (issue 16 item 4) in the real
// porthole-controller: ~970 URLs a second from one member used to each
// become a stored row for ten minutes.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";    // alice's
constexpr char kSpice[] = "22222222-2222-4222-8222-222222222222";  // bob's

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpReply RemoteConsole(const ControllerStack& stack, const std::string& token,
                        const std::string& server) {
  return HttpCall(
      stack.api_port(), "POST", "/v2.1/servers/" + server + "/remote-consoles",
      Headers{{"X-Auth-Token", token},
              {"Content-Type", "application/json"},
              {"OpenStack-API-Version", "compute 2.6"}},
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
}

TEST(ConsoleUrlLimitProcess, PastTheBurst_429OverLimit_OtherUsersServed) {
  ControllerStack stack(
      "", "[api]\nconsole_urls_per_minute = 1\nconsole_urls_burst = 3\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  for (int i = 0; i < 3; ++i) {
    HttpReply reply = RemoteConsole(stack, kAliceToken, kVnc);
    ASSERT_EQ(reply.status, 200) << i << ": " << reply.body;
  }
  HttpReply refused = RemoteConsole(stack, kAliceToken, kVnc);
  EXPECT_EQ(refused.status, 429);
  auto body = nlohmann::json::parse(refused.body, nullptr, false);
  EXPECT_EQ(body, nlohmann::json::parse(R"({"overLimit": {"code": 429,
                  "message": "This request was rate-limited."}})"))
      << refused.body;
  const int retry_after =
      std::stoi(refused.Header("Retry-After").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  // The legacy action is the same user's next URL: refused too.
  HttpReply legacy = HttpCall(stack.api_port(), "POST",
                              std::string("/v2.1/servers/") + kVnc + "/action",
                              Headers{{"X-Auth-Token", kAliceToken},
                                      {"Content-Type", "application/json"}},
                              R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(legacy.status, 429) << legacy.body;
  // Another user is served, and alice can still read.
  HttpReply bob = HttpCall(
      stack.api_port(), "POST",
      std::string("/v2.1/servers/") + kSpice + "/remote-consoles",
      Headers{{"X-Auth-Token", kBobToken},
              {"Content-Type", "application/json"},
              {"OpenStack-API-Version", "compute 2.6"}},
      R"({"remote_console": {"protocol": "spice", "type": "spice-html5"}})");
  EXPECT_EQ(bob.status, 200) << bob.body;
  EXPECT_EQ(HttpCall(stack.api_port(), "GET", "/v2.1/servers",
                     {{"X-Auth-Token", kAliceToken}})
                .status,
            200);
  // The access log names the refusal.
  EXPECT_NE(stack.ControllerLog().find("status=429"), std::string::npos);
}

// With no option set: 60 a minute after a burst of 60. However long the
// loop takes, no more than the burst plus what that time refilled passes.
TEST(ConsoleUrlLimitProcess, Default_BurstOfSixtyThenOnePerSecond) {
  ControllerStack stack;
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  const auto start = std::chrono::steady_clock::now();
  int allowed = 0;
  int status = 200;
  for (int i = 0; i < 1000 && status == 200; ++i) {
    status = RemoteConsole(stack, kAliceToken, kVnc).status;
    if (status == 200) ++allowed;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  EXPECT_EQ(status, 429);
  EXPECT_GE(allowed, 60);
  EXPECT_LE(allowed, 60 + static_cast<int>(std::ceil(seconds)) + 1);
}

}  // namespace
}  // namespace porthole::testing
