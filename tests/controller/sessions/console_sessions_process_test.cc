// Live console sessions through the real daemons: the controller's serial
// proxy relays to a TCP echo server standing in for a guest's serial port
// (the agent's libvirt test-driver node points at it); the admin API lists
// and ends sessions, and the audit file records them.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

constexpr char kAliceUser[] = "aaaaaaaa-0000-4000-8000-000000000001";

// Every JSON line of the audit file.
std::vector<Json> AuditLines(const std::string& path) {
  std::vector<Json> lines;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(Json::parse(line));
  }
  return lines;
}

std::optional<Json> FindEvent(const std::vector<Json>& lines,
                              const std::string& event) {
  for (const Json& line : lines) {
    if (line["event"] == event) return line;
  }
  return std::nullopt;
}

class ConsoleSessionsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    audit_path_ = audit_dir_.path() + "/audit.jsonl";
    stack_ = std::make_unique<ControllerStack>(
        WriteSerialLogNode(logs_.path(), logs_.path(), echo_.port()),
        "[audit]\nfile = " + audit_path_ + "\n");
    ASSERT_TRUE(stack_->Start())
        << stack_->ControllerLog() << stack_->AgentLog();
  }

  // A serial console URL's token, issued to alice.
  std::string IssueSerialToken() {
    HttpReply issued = PostRemoteConsole(stack_->api_port(), kSerialLogUuid,
                                         kAliceToken, "serial", "serial");
    EXPECT_EQ(issued.status, 200) << issued.body;
    if (issued.status != 200) return "";
    return ConsoleTokenOf(Json::parse(issued.body)["remote_console"]["url"]);
  }

  void OpenSession(RawWebSocket& ws, const std::string& token) {
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(ws.Connect(stack_->serial_port()));
    std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
    ASSERT_TRUE(head.has_value());
    ASSERT_EQ(head->status, 101) << head->status_line;
  }

  // Sends `text` and reads its echo.
  void Echo(RawWebSocket& ws, const std::string& text) {
    ASSERT_TRUE(ws.SendBinary(text));
    std::string got;
    while (got.size() < text.size()) {
      std::optional<RawWebSocket::Frame> frame = ws.ReadDataFrame();
      ASSERT_TRUE(frame.has_value());
      ASSERT_EQ(frame->opcode, 2);
      got += frame->payload;
    }
    EXPECT_EQ(got, text);
  }

  HttpReply Admin(const std::string& method, const std::string& target,
                  const std::string& token = kAdminToken) {
    return HttpCall(stack_->api_port(), method, target,
                    {{"X-Auth-Token", token}});
  }

  Json ListSessions(const std::string& query = "") {
    HttpReply reply = Admin("GET", "/porthole/v1/console-sessions" + query);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? Json::parse(reply.body)["console_sessions"]
                               : Json::array();
  }

  TcpEchoServer echo_;
  TempDir logs_;
  TempDir audit_dir_;
  std::string audit_path_;
  std::unique_ptr<ControllerStack> stack_;
};

TEST_F(ConsoleSessionsProcessTest,
       List_ShowsLiveSessionWithGrowingBytes_DeleteEndsItWith4001) {
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSession(ws, IssueSerialToken()));
  ASSERT_NO_FATAL_FAILURE(Echo(ws, "hello"));

  Json sessions = ListSessions();
  ASSERT_EQ(sessions.size(), 1u) << sessions.dump();
  const Json first = sessions[0];
  EXPECT_EQ(first["server_id"], kSerialLogUuid);
  EXPECT_EQ(first["console_type"], "serial");
  EXPECT_EQ(first["user_id"], kAliceUser);
  EXPECT_EQ(first["project_id"], kAliceProject);
  EXPECT_EQ(first["client_address"], "127.0.0.1");
  EXPECT_EQ(first["backend"], "127.0.0.1:" + std::to_string(echo_.port()));
  EXPECT_FALSE(first["replica"].get<std::string>().empty());
  EXPECT_EQ(first["bytes_up"], 5);
  EXPECT_EQ(first["bytes_down"], 5);
  const std::string id = first["id"];

  ASSERT_NO_FATAL_FAILURE(Echo(ws, "more bytes"));
  Json later = ListSessions("?server_id=" + std::string(kSerialLogUuid));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0]["id"], id);
  EXPECT_EQ(later[0]["bytes_up"], 15);
  EXPECT_EQ(later[0]["bytes_down"], 15);
  EXPECT_EQ(ListSessions("?user_id=someone-else").size(), 0u);

  // Not an admin: Nova's 403 body, the session untouched.
  HttpReply denied =
      Admin("DELETE", "/porthole/v1/console-sessions/" + id, kAliceToken);
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(FaultMessageOf(denied, "forbidden"),
            "Policy doesn't allow porthole:console_sessions:delete to be "
            "performed.");
  EXPECT_EQ(Admin("GET", "/porthole/v1/console-sessions", kAliceToken).status,
            403);

  HttpReply ended = Admin("DELETE", "/porthole/v1/console-sessions/" + id);
  EXPECT_EQ(ended.status, 204) << ended.body;
  std::optional<RawWebSocket::Frame> close = ws.ReadDataFrame();
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 4001);
  EXPECT_EQ(close->payload.substr(2), "ended by administrator");
  // Answered and closed as a browser does (Beast's teardown waits for the
  // client's FIN); the session then leaves the registry.
  ASSERT_TRUE(ws.SendFrame(8, close->payload));
  ws.Close();
  EXPECT_TRUE(WaitFor([&] { return ListSessions().empty(); }, seconds(5)))
      << stack_->ControllerLog();
  HttpReply again = Admin("DELETE", "/porthole/v1/console-sessions/" + id);
  EXPECT_EQ(again.status, 404) << again.body;
  EXPECT_EQ(FaultMessageOf(again, "itemNotFound"),
            "Console session " + id + " could not be found.");
}

TEST_F(ConsoleSessionsProcessTest, DeleteServerSessions_EndsEveryOneOfThem) {
  RawWebSocket a, b;
  const std::string token = IssueSerialToken();
  ASSERT_NO_FATAL_FAILURE(OpenSession(a, token));
  ASSERT_NO_FATAL_FAILURE(OpenSession(b, token));
  ASSERT_TRUE(WaitFor([&] { return ListSessions().size() == 2; }, seconds(5)));
  HttpReply ended = Admin("DELETE", std::string("/porthole/v1/servers/") +
                                        kSerialLogUuid + "/console-sessions");
  EXPECT_EQ(ended.status, 204) << ended.body;
  for (RawWebSocket* ws : {&a, &b}) {
    std::optional<RawWebSocket::Frame> close = ws->ReadDataFrame();
    ASSERT_TRUE(close.has_value());
    EXPECT_EQ(close->close_code(), 4001);
  }
}

TEST_F(ConsoleSessionsProcessTest, AuditFile_RecordsIssueStartEndRefusal) {
  const std::string token = IssueSerialToken();
  {
    RawWebSocket ws;
    ASSERT_NO_FATAL_FAILURE(OpenSession(ws, token));
    ASSERT_NO_FATAL_FAILURE(Echo(ws, "abc"));
    Json sessions = ListSessions();
    ASSERT_EQ(sessions.size(), 1u);
    ASSERT_EQ(Admin("DELETE", "/porthole/v1/console-sessions/" +
                                  sessions[0]["id"].get<std::string>())
                  .status,
              204);
    ASSERT_TRUE(ws.ReadDataFrame().has_value());
  }
  RawWebSocket refused;
  ASSERT_TRUE(refused.Connect(stack_->serial_port()));
  std::optional<RawWebSocket::Head> head =
      refused.Upgrade("/?token=00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 403);

  ASSERT_TRUE(WaitFor(
      [&] {
        std::vector<Json> lines = AuditLines(audit_path_);
        return FindEvent(lines, "session-end") &&
               FindEvent(lines, "admission-refused");
      },
      seconds(5)))
      << ReadFile(audit_path_);
  const std::string text = ReadFile(audit_path_);
  EXPECT_EQ(text.find(token), std::string::npos) << "a raw token leaked";
  std::vector<Json> lines = AuditLines(audit_path_);

  std::optional<Json> issued = FindEvent(lines, "url-issued");
  ASSERT_TRUE(issued.has_value());
  EXPECT_EQ((*issued)["server_id"], kSerialLogUuid);
  EXPECT_EQ((*issued)["console_type"], "serial");
  EXPECT_EQ((*issued)["user_id"], kAliceUser);
  EXPECT_EQ((*issued)["project_id"], kAliceProject);

  std::optional<Json> start = FindEvent(lines, "session-start");
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ((*start)["user_id"], kAliceUser);
  EXPECT_EQ((*start)["client_address"], "127.0.0.1");

  std::optional<Json> end = FindEvent(lines, "session-end");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ((*end)["session_id"], (*start)["session_id"]);
  EXPECT_EQ((*end)["server_id"], kSerialLogUuid);
  EXPECT_EQ((*end)["project_id"], kAliceProject);
  EXPECT_EQ((*end)["end_reason"], "ended-by-admin");
  EXPECT_EQ((*end)["bytes_up"], 3);
  EXPECT_EQ((*end)["bytes_down"], 3);
  EXPECT_GE((*end)["duration_ms"].get<int64_t>(), 0);
  EXPECT_EQ((*end)["token"].get<std::string>().size(), 8u);
  EXPECT_FALSE((*end)["replica"].get<std::string>().empty());

  std::optional<Json> by_admin = FindEvent(lines, "sessions-ended-by-admin");
  ASSERT_TRUE(by_admin.has_value());
  EXPECT_EQ((*by_admin)["user_id"], "admin-user");
  EXPECT_EQ((*by_admin)["session_id"], (*start)["session_id"]);
  EXPECT_EQ((*by_admin)["ended"], 1);

  std::optional<Json> refusal = FindEvent(lines, "admission-refused");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ((*refusal)["reason"], "token-invalid");
  EXPECT_EQ((*refusal)["listener"], "serial");
}

// logrotate's way: rename the file, then SIGHUP.
TEST_F(ConsoleSessionsProcessTest, Sighup_ReopensTheAuditFileAfterRename) {
  ASSERT_FALSE(IssueSerialToken().empty());
  ASSERT_EQ(std::rename(audit_path_.c_str(), (audit_path_ + ".1").c_str()), 0);
  stack_->controller()->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        return stack_->ControllerLog().find("SIGHUP: reloaded") !=
               std::string::npos;
      },
      seconds(10)))
      << stack_->ControllerLog();
  ASSERT_FALSE(IssueSerialToken().empty());
  EXPECT_EQ(AuditLines(audit_path_ + ".1").size(), 1u);
  std::vector<Json> fresh = AuditLines(audit_path_);
  ASSERT_EQ(fresh.size(), 1u) << ReadFile(audit_path_);
  EXPECT_EQ(fresh[0]["event"], "url-issued");
}

}  // namespace
}  // namespace porthole::testing
