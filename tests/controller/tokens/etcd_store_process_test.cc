// Two porthole-controller processes (two replicas, each with its agent) on
// one real etcd: a URL issued by one is known to the other, etcd down is a
// 503 from the API and from the proxy (before the upgrade) within
// [consoleauth] store_timeout, and both recover when etcd is back, without
// a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/controller_stack.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"

namespace porthole::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";

HttpReply ShowToken(int port, const std::string& token) {
  return HttpCall(port, "GET", "/v2.1/os-console-auth-tokens/" + token,
                  {{"X-Auth-Token", kAdminToken},
                   {"OpenStack-API-Version", "compute 2.31"}});
}

TEST(EtcdStoreProcess, TwoReplicasShareTokens_EtcdDownIs503_ThenRecovers) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  ControllerStack a, b;
  a.set_token_store(etcd.StoreUrl("/porthole"));
  b.set_token_store(etcd.StoreUrl("/porthole"));
  ASSERT_TRUE(a.Start()) << a.ControllerLog() << a.AgentLog();
  ASSERT_TRUE(b.Start()) << b.ControllerLog() << b.AgentLog();

  HttpReply issued = PostVncConsole(a.api_port(), kVnc, kAliceToken);
  ASSERT_EQ(issued.status, 200) << issued.body << a.ControllerLog();
  const std::string token =
      ConsoleTokenOf(nlohmann::json::parse(issued.body)["remote_console"]["url"]
                         .get<std::string>());
  ASSERT_FALSE(token.empty()) << issued.body;
  HttpReply shown = ShowToken(b.api_port(), token);
  ASSERT_EQ(shown.status, 200) << shown.body << b.ControllerLog();
  EXPECT_EQ(nlohmann::json::parse(shown.body)["console"]["instance_uuid"],
            kVnc);

  etcd.Kill(0);
  const auto start = Clock::now();
  HttpReply refused = PostVncConsole(a.api_port(), kVnc, kAliceToken);
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(FaultMessageOf(refused, "serviceUnavailable"),
            "The console token store is unavailable. Please try again later.");
  EXPECT_EQ(ShowToken(b.api_port(), token).status, 503);
  // A new console connection through the other replica: refused before
  // the upgrade, and not as an invalid token.
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(b.novnc_port()));
  std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 503);
  EXPECT_EQ(head->Header("x-porthole-error"), "store-unavailable");

  ASSERT_TRUE(etcd.Restart(0)) << etcd.error();
  EXPECT_TRUE(WaitFor(
      [&] {
        return PostVncConsole(a.api_port(), kVnc, kAliceToken).status == 200;
      },
      std::chrono::seconds(15)))
      << a.ControllerLog();
  EXPECT_EQ(ShowToken(b.api_port(), token).status, 200) << b.ControllerLog();
  // Both still the same processes: no restart was needed.
  EXPECT_TRUE(a.controller()->running());
  EXPECT_TRUE(b.controller()->running());
}

// [consoleauth] single_use on two replicas sharing one etcd: a URL admits
// one connection whichever replica it reaches; the next, on the other
// replica, is refused before the upgrade with 403 token-used.
TEST(EtcdStoreProcess, SingleUse_UrlAdmitsOneConnectionAcrossReplicas) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  const std::string single_use = "[consoleauth]\nsingle_use = true\n";
  ControllerStack a("", single_use), b("", single_use);
  a.set_token_store(etcd.StoreUrl("/porthole"));
  b.set_token_store(etcd.StoreUrl("/porthole"));
  ASSERT_TRUE(a.Start()) << a.ControllerLog() << a.AgentLog();
  ASSERT_TRUE(b.Start()) << b.ControllerLog() << b.AgentLog();
  HttpReply issued = PostVncConsole(a.api_port(), kVnc, kAliceToken);
  ASSERT_EQ(issued.status, 200) << issued.body << a.ControllerLog();
  const std::string token =
      ConsoleTokenOf(nlohmann::json::parse(issued.body)["remote_console"]["url"]
                         .get<std::string>());
  ASSERT_FALSE(token.empty()) << issued.body;

  // Admitted (the test node's console may not answer: then 502 after the
  // admission, which used the URL all the same).
  RawWebSocket first;
  ASSERT_TRUE(first.Connect(a.novnc_port()));
  std::optional<RawWebSocket::Head> head = first.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  EXPECT_TRUE(head->status == 101 || head->status == 502)
      << head->status_line << a.ControllerLog();
  for (ControllerStack* replica : {&b, &a}) {
    RawWebSocket again;
    ASSERT_TRUE(again.Connect(replica->novnc_port()));
    std::optional<RawWebSocket::Head> refused =
        again.Upgrade("/?token=" + token);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->status, 403) << refused->status_line;
    EXPECT_EQ(refused->Header("x-porthole-error"), "token-used");
  }
  EXPECT_NE(b.ControllerLog().find("reason=token-used"), std::string::npos)
      << b.ControllerLog();
}

}  // namespace
}  // namespace porthole::testing
