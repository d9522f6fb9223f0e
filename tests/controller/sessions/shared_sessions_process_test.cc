// Console sessions across two replicas of the real controller sharing one
// real etcd: a session relayed by replica A is listed, with its bytes,
// through replica B, and B's admin DELETE ends it on A (close 4001, A's
// audit records the end). The serial console is a TCP echo server the
// agents' libvirt test-driver nodes point at.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

class SharedSessionsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(etcd_.Start()) << etcd_.error();
    audit_a_ = dir_.path() + "/audit-a.jsonl";
    const std::string node =
        WriteSerialLogNode(dir_.path(), dir_.path(), echo_.port());
    a_ = std::make_unique<ControllerStack>(
        node,
        "[audit]\nfile = " + audit_a_ + "\n[cluster]\nsession_refresh = 1\n");
    b_ = std::make_unique<ControllerStack>(node);
    for (ControllerStack* stack : {a_.get(), b_.get()}) {
      stack->set_token_store(etcd_.StoreUrl("/porthole"));
      ASSERT_TRUE(stack->Start()) << stack->ControllerLog();
    }
  }

  Json List(ControllerStack& stack) {
    HttpReply reply =
        HttpCall(stack.api_port(), "GET", "/porthole/v1/console-sessions",
                 {{"X-Auth-Token", kAdminToken}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.status == 200 ? Json::parse(reply.body)["console_sessions"]
                               : Json::array();
  }

  TcpEchoServer echo_;
  TempDir dir_;
  std::string audit_a_;
  EtcdCluster etcd_{1};
  std::unique_ptr<ControllerStack> a_;
  std::unique_ptr<ControllerStack> b_;
};

TEST_F(SharedSessionsProcessTest, SessionOnA_ListedAndEndedThroughB) {
  HttpReply issued = PostRemoteConsole(a_->api_port(), kSerialLogUuid,
                                       kAliceToken, "serial", "serial");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string token =
      ConsoleTokenOf(Json::parse(issued.body)["remote_console"]["url"]);
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(a_->serial_port()));
  std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 101) << head->status_line;
  ASSERT_TRUE(ws.SendBinary("hello"));
  std::optional<RawWebSocket::Frame> echo = ws.ReadDataFrame();
  ASSERT_TRUE(echo.has_value());

  // B lists A's session, and its byte counts within A's refresh (1 s).
  Json listed;
  ASSERT_TRUE(WaitFor(
      [&] {
        listed = List(*b_);
        return listed.size() == 1 && listed[0]["bytes_up"] == 5 &&
               listed[0]["bytes_down"] == 5;
      },
      seconds(10)))
      << listed.dump() << a_->ControllerLog();
  const std::string id = listed[0]["id"];
  EXPECT_EQ(listed[0]["server_id"], kSerialLogUuid);
  EXPECT_EQ(listed[0]["replica"], "replica-" + std::to_string(a_->api_port()));
  EXPECT_EQ(listed[0]["client_address"], "127.0.0.1");
  EXPECT_EQ(List(*a_), listed);

  // The DELETE waits for A to confirm, which it does once the client has
  // answered the close frame, as a browser does at once.
  std::future<HttpReply> deleting = std::async(std::launch::async, [&] {
    return HttpCall(b_->api_port(), "DELETE",
                    "/porthole/v1/console-sessions/" + id,
                    {{"X-Auth-Token", kAdminToken}});
  });
  std::optional<RawWebSocket::Frame> close = ws.ReadDataFrame();
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 4001);
  ASSERT_TRUE(ws.SendFrame(8, close->payload));
  ws.Close();
  // 204 once A confirmed (its record went), within B's wait.
  HttpReply ended = deleting.get();
  EXPECT_EQ(ended.status, 204) << ended.body << b_->ControllerLog();
  EXPECT_TRUE(WaitFor([&] { return List(*b_).empty(); }, seconds(5)));
  EXPECT_EQ(
      HttpCall(b_->api_port(), "DELETE", "/porthole/v1/console-sessions/" + id,
               {{"X-Auth-Token", kAdminToken}})
          .status,
      404);
  EXPECT_TRUE(WaitFor(
      [&] {
        return ReadFile(audit_a_).find("\"end_reason\":\"ended-by-admin\"") !=
               std::string::npos;
      },
      seconds(5)))
      << ReadFile(audit_a_);
}

TEST_F(SharedSessionsProcessTest, EtcdDown_ListingIs503) {
  etcd_.Kill(0);
  HttpReply reply =
      HttpCall(b_->api_port(), "GET", "/porthole/v1/console-sessions",
               {{"X-Auth-Token", kAdminToken}});
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(FaultMessageOf(reply, "serviceUnavailable"),
            "The console session directory is unavailable. Please try again "
            "later.");
}

}  // namespace
}  // namespace porthole::testing
