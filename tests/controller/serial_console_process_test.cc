// A real interactive serial console end to end: QEMU's monitor on a raw TCP
// chardev stands where a guest's <serial type='tcp'> listens; the domain in
// the agent's libvirt test-driver node points at it. The console URL comes
// from the controller's API, and a WebSocket client types through the
// controller's serial proxy and reads QEMU's answer.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>

#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/qemu_vnc_guest.h"

namespace porthole::testing {
namespace {

using std::chrono::steady_clock;

// The token of a serial console URL, ws://host:port/?token=<uuid>.
std::string SerialTokenOf(const std::string& url) {
  static const std::regex kUrl(
      R"(^ws://127\.0\.0\.1:\d+/\?token=([0-9a-f-]{36})$)");
  std::smatch m;
  return std::regex_search(url, m, kUrl) ? m[1].str() : "";
}

HttpReply PostJson(int port, const std::string& target,
                   const std::string& version, const std::string& body) {
  return HttpCall(port, "POST", target,
                  {{"X-Auth-Token", kAliceToken},
                   {"Content-Type", "application/json"},
                   {"OpenStack-API-Version", "compute " + version}},
                  body);
}

class SerialConsoleProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    qemu_ = QemuVncGuest::StartWithSerialMonitor(80);
    ASSERT_NE(qemu_, nullptr) << "no QEMU came up";
    stack_ = std::make_unique<ControllerStack>(
        WriteSerialLogNode(logs_.path(), logs_.path(), qemu_->serial_port()));
    ASSERT_TRUE(stack_->Start())
        << stack_->ControllerLog() << stack_->AgentLog();
  }

  // Everything the console sends until `done` holds on it or 10 s pass.
  std::string ReadUntil(RawWebSocket& ws, const std::string& so_far,
                        const std::function<bool(const std::string&)>& done) {
    std::string text = so_far;
    const auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (!done(text) && steady_clock::now() < deadline) {
      std::optional<RawWebSocket::Frame> frame =
          ws.ReadDataFrame(std::chrono::seconds(10));
      if (!frame.has_value()) break;
      text += frame->payload;
    }
    return text;
  }

  TempDir logs_;
  std::unique_ptr<QemuVncGuest> qemu_;
  std::unique_ptr<ControllerStack> stack_;
};

TEST_F(SerialConsoleProcessTest, RemoteConsolesSerial_TypesIntoQemuMonitor) {
  HttpReply issued = PostJson(
      stack_->api_port(),
      std::string("/v2.1/servers/") + kSerialLogUuid + "/remote-consoles",
      "2.6", R"({"remote_console": {"protocol": "serial", "type": "serial"}})");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const nlohmann::json body = nlohmann::json::parse(issued.body);
  EXPECT_EQ(body["remote_console"]["protocol"], "serial");
  const std::string url = body["remote_console"]["url"];
  const std::string token = SerialTokenOf(url);
  ASSERT_FALSE(token.empty()) << url;

  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(stack_->serial_port()));
  std::optional<RawWebSocket::Head> head =
      ws.Upgrade("/?token=" + token, {"Sec-WebSocket-Protocol: binary"});
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 101) << head->status_line;

  static const std::regex kGreeting(R"(QEMU ([0-9]+\.[0-9]+\.[0-9]+) monitor)");
  std::string text = ReadUntil(ws, "", [](const std::string& t) {
    return std::regex_search(t, kGreeting) &&
           t.find("(qemu)") != std::string::npos;
  });
  std::smatch greeting;
  ASSERT_TRUE(std::regex_search(text, greeting, kGreeting)) << text;
  const std::string version = greeting[1].str();

  ASSERT_TRUE(ws.SendBinary("info version\r"));
  const size_t typed = text.size();
  text = ReadUntil(ws, text, [&](const std::string& t) {
    const size_t echo = t.find("info version", typed);
    return echo != std::string::npos &&
           t.find(version, echo) != std::string::npos &&
           t.find("(qemu)", t.find(version, echo)) != std::string::npos;
  });
  const size_t echo = text.find("info version", typed);
  ASSERT_NE(echo, std::string::npos) << text;
  // The answer line starts with the version, after the echoed command.
  EXPECT_NE(text.find("\n" + version, echo), std::string::npos) << text;
}

TEST_F(SerialConsoleProcessTest, LegacySerialAction_GivesAWorkingUrlToo) {
  HttpReply issued =
      PostJson(stack_->api_port(),
               std::string("/v2.1/servers/") + kSerialLogUuid + "/action",
               "2.1", R"({"os-getSerialConsole": {"type": "serial"}})");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string token =
      SerialTokenOf(nlohmann::json::parse(issued.body)["console"]["url"]);
  ASSERT_FALSE(token.empty()) << issued.body;
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(stack_->serial_port()));
  std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 101) << head->status_line;
  std::string text = ReadUntil(ws, "", [](const std::string& t) {
    return t.find("(qemu)") != std::string::npos;
  });
  EXPECT_NE(text.find("QEMU"), std::string::npos) << text;
}

}  // namespace
}  // namespace porthole::testing
