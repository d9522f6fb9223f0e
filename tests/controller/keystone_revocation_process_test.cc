// Keystone revokes access, Porthole ends the sessions it opened: the
// controller with [api] auth_strategy = keystone and
// revocation_check_interval = 1 against a real Keystone
// (tests/support/keystone.h), a serial console on an echo server, and the
// raw WebSocket client.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/keystone.h"
#include "tests/support/nova_reply.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

std::vector<Json> AuditEvents(const std::string& path,
                              const std::string& event) {
  std::vector<Json> found;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_object() && record["event"] == event) {
      found.push_back(record);
    }
  }
  return found;
}

class KeystoneRevocationProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keystone_.Start()) << keystone_.log();
    std::string node = SerialLogNodeXml(dir_.path(), echo_.port());
    const std::string alices_project = "bbbbbbbb-0000-4000-8000-000000000001";
    for (size_t at = node.find(alices_project); at != std::string::npos;
         at = node.find(alices_project, at)) {
      node.replace(at, alices_project.size(), keystone_.seed().demo_project_id);
    }
    WriteFile(dir_.path() + "/node.xml", node);
    audit_path_ = dir_.path() + "/audit.jsonl";
    stack_ = std::make_unique<ControllerStack>(
        dir_.path() + "/node.xml",
        "[api]\nauth_strategy = keystone\n"
        "[keystone_authtoken]\nauth_url = " +
            keystone_.url() +
            "\nusername = porthole\npassword = porthole-pw\n"
            "project_name = service\nrevocation_check_interval = 1\n"
            "[audit]\nfile = " +
            audit_path_ + "\n");
    stack_->set_ready_token(keystone_.AdminToken());
    ASSERT_TRUE(stack_->Start())
        << stack_->ControllerLog() << stack_->AgentLog();
  }

  // A serial console URL's token, issued with `keystone_token`.
  std::string IssueSerial(const std::string& keystone_token) {
    HttpReply issued = PostRemoteConsole(stack_->api_port(), kSerialLogUuid,
                                         keystone_token, "serial", "serial");
    EXPECT_EQ(issued.status, 200) << issued.body;
    if (issued.status != 200) return "";
    return ConsoleTokenOf(Json::parse(issued.body)["remote_console"]["url"]);
  }

  std::string Alice() {
    return keystone_.Token("alice", "alice-pw",
                           keystone_.seed().demo_project_id);
  }

  // Opens a session and checks that it relays.
  void Open(RawWebSocket& ws, const std::string& console_token) {
    ASSERT_TRUE(ws.Connect(stack_->serial_port()));
    std::optional<RawWebSocket::Head> head =
        ws.Upgrade("/?token=" + console_token);
    ASSERT_TRUE(head.has_value());
    ASSERT_EQ(head->status, 101) << head->status_line;
    ExpectEcho(ws);
  }

  static void ExpectEcho(RawWebSocket& ws) {
    ASSERT_TRUE(ws.SendBinary("ping"));
    std::string echoed;
    while (echoed.size() < 4) {
      std::optional<RawWebSocket::Frame> frame = ws.ReadDataFrame();
      ASSERT_TRUE(frame.has_value()) << "the session stopped relaying";
      ASSERT_NE(frame->opcode, 8) << "closed " << frame->close_code();
      echoed += frame->payload;
    }
    EXPECT_EQ(echoed, "ping");
  }

  TempDir dir_;
  TcpEchoServer echo_;
  Keystone keystone_{/*compute_port=*/1};
  std::string audit_path_;
  std::unique_ptr<ControllerStack> stack_;
};

// Two URLs from two logins of alice: revoking one login's token in Keystone
// ends the session of its URL (4008, within the check interval plus a
// fetch) and refuses that URL from then on; the other login's session and
// URL go on.
TEST_F(KeystoneRevocationProcessTest,
       RevokedIssuingToken_EndsItsSessionWith4008_AndRefusesItsUrl) {
  const std::string revoked_login = Alice();
  const std::string kept_login = Alice();
  const std::string revoked_url = IssueSerial(revoked_login);
  const std::string kept_url = IssueSerial(kept_login);
  ASSERT_FALSE(revoked_url.empty());
  ASSERT_FALSE(kept_url.empty());
  RawWebSocket doomed;
  RawWebSocket kept;
  Open(doomed, revoked_url);
  Open(kept, kept_url);

  const auto revoked_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(keystone_.Revoke(revoked_login)) << keystone_.last_reply().status;
  std::optional<RawWebSocket::Frame> close =
      doomed.ReadDataFrame(std::chrono::seconds(15));
  ASSERT_TRUE(close.has_value()) << stack_->ControllerLog();
  // A figure for the README, not a bound: interval 1 s plus one fetch.
  std::cout << "revocation to close: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - revoked_at)
                   .count()
            << " ms\n";
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 4008);
  EXPECT_EQ(close->payload.substr(2), "access revoked");
  ASSERT_TRUE(doomed.SendFrame(8, close->payload));  // the close handshake
  doomed.Close();

  ExpectEcho(kept);
  RawWebSocket again;
  ASSERT_TRUE(again.Connect(stack_->serial_port()));
  std::optional<RawWebSocket::Head> refused =
      again.Upgrade("/?token=" + revoked_url);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->Header("x-porthole-error"), "access-revoked");

  ASSERT_TRUE(WaitFor(
      [&] {
        return !AuditEvents(audit_path_, "admission-refused").empty() &&
               !AuditEvents(audit_path_, "session-end").empty();
      },
      seconds(5)))
      << ReadFile(audit_path_);
  std::vector<Json> ended = AuditEvents(audit_path_, "session-end");
  ASSERT_EQ(ended.size(), 1u) << ReadFile(audit_path_);
  EXPECT_EQ(ended[0]["end_reason"], "access-revoked");
  EXPECT_EQ(AuditEvents(audit_path_, "admission-refused")[0]["reason"],
            "access-revoked");
  const std::string audit = ReadFile(audit_path_);
  for (const std::string& secret : {revoked_login, kept_login, revoked_url}) {
    EXPECT_EQ(audit.find(secret), std::string::npos) << "a token leaked";
  }
}

// A disabled user loses every session, whichever login opened it.
TEST_F(KeystoneRevocationProcessTest, DisabledUser_LosesEverySession) {
  const std::string url_a = IssueSerial(Alice());
  const std::string url_b = IssueSerial(Alice());
  RawWebSocket a;
  RawWebSocket b;
  Open(a, url_a);
  Open(b, url_b);
  HttpReply disabled =
      keystone_.Call("PATCH", "/v3/users/" + keystone_.seed().alice_id,
                     keystone_.AdminToken(), R"({"user": {"enabled": false}})");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  for (RawWebSocket* ws : {&a, &b}) {
    std::optional<RawWebSocket::Frame> close =
        ws->ReadDataFrame(std::chrono::seconds(15));
    ASSERT_TRUE(close.has_value()) << stack_->ControllerLog();
    EXPECT_EQ(close->close_code(), 4008);
  }
}

}  // namespace
}  // namespace porthole::testing
