// The regression test for the packaged controller that aborted on its first
// console URL ("free(): invalid size": GCC 12 destroyed a coroutine's
// temporary twice). It runs the daemons as processes, so CI runs it against
// the build tree and again against the binaries unpacked from the .debs
// (label "daemons", PORTHOLE_DAEMON_DIR): it fails on the build that crashed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";

TEST(ShippedController, ConsoleUrlsAndListings_EveryOneAnswered_ExitsZero) {
  // 200 URLs from one user within seconds: past the default console URL
  // limit ([api] console_urls_per_minute), which is not what this tests.
  ControllerStack stack("", "[api]\nconsole_urls_per_minute = 0\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Auth-Token", kAliceToken},
      {"Content-Type", "application/json"},
      {"OpenStack-API-Version", "compute 2.6"}};
  const std::string body =
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
  // Every request goes through the handler pool and back to the I/O thread:
  // the path whose coroutine frame the GCC build freed twice.
  for (int i = 0; i < 200; ++i) {
    HttpReply url =
        HttpCall(stack.api_port(), "POST",
                 std::string("/v2.1/servers/") + kVnc + "/remote-consoles",
                 headers, body);
    ASSERT_EQ(url.status, 200) << "request " << i << ": " << url.body << "\n"
                               << stack.ControllerLog();
    auto json = nlohmann::json::parse(url.body, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << url.body;
    EXPECT_EQ(json["remote_console"]["type"], "novnc");
    HttpReply list = HttpCall(stack.api_port(), "GET", "/v2.1/servers",
                              {{"X-Auth-Token", kAliceToken}});
    ASSERT_EQ(list.status, 200) << "request " << i << "\n"
                                << stack.ControllerLog();
  }
  ASSERT_TRUE(stack.controller()->running()) << stack.ControllerLog();
  stack.controller()->Signal(SIGTERM);
  std::optional<int> status =
      stack.controller()->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status))
      << "killed by signal " << (WIFSIGNALED(*status) ? WTERMSIG(*status) : 0)
      << "\n"
      << stack.ControllerLog();
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

}  // namespace
}  // namespace porthole::testing
