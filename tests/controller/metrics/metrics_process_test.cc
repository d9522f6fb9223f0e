// /metrics, /healthz and /readyz through the real daemons: a scripted
// workload against porthole-controller (URLs issued, a session relayed and
// ended, an upgrade refused), then its /metrics parsed by a real Prometheus
// text parser (the Prometheus project's Python client) and the counters
// checked to have moved by exactly what the workload did. The agent's
// listener too.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

PrometheusScrape ScrapePort(int port) {
  HttpReply reply = HttpCall(port, "GET", "/metrics");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  PrometheusScrape scrape = ParsePrometheusText(reply.body);
  EXPECT_TRUE(scrape.ok) << scrape.error << "\n" << reply.body;
  return scrape;
}

class MetricsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_port_ = PickFreePort();
    agent_metrics_port_ = PickFreePort();
    stack_ = std::make_unique<ControllerStack>(
        WriteSerialLogNode(logs_.path(), logs_.path(), echo_.port()),
        "[metrics]\nlisten = 127.0.0.1:" + std::to_string(metrics_port_) +
            "\n");
    stack_->set_agent_args(
        {"--metrics-listen",
         "127.0.0.1:" + std::to_string(agent_metrics_port_)});
    ASSERT_TRUE(stack_->Start())
        << stack_->ControllerLog() << stack_->AgentLog();
    // The API answers before the controller binds the metrics listener
    // (after the proxies): wait for it, or a loaded machine loses the race.
    ASSERT_TRUE(WaitForTcpPort("127.0.0.1", metrics_port_, seconds(10)))
        << stack_->ControllerLog();
  }

  PrometheusScrape Scrape() { return ScrapePort(metrics_port_); }

  std::string IssueSerialToken() {
    HttpReply issued = PostRemoteConsole(stack_->api_port(), kSerialLogUuid,
                                         kAliceToken, "serial", "serial");
    EXPECT_EQ(issued.status, 200) << issued.body;
    if (issued.status != 200) return "";
    return ConsoleTokenOf(Json::parse(issued.body)["remote_console"]["url"]);
  }

  TcpEchoServer echo_;
  TempDir logs_;
  int metrics_port_ = 0;
  int agent_metrics_port_ = 0;
  std::unique_ptr<ControllerStack> stack_;
};

TEST_F(MetricsProcessTest, ScriptedWorkload_CountersMoveByExactlyThat) {
  const PrometheusScrape before = Scrape();
  ASSERT_TRUE(before.ok);

  // Three URLs, one session with 5 bytes each way, one refused upgrade.
  const std::string token = IssueSerialToken();
  ASSERT_FALSE(IssueSerialToken().empty());
  ASSERT_FALSE(IssueSerialToken().empty());
  ASSERT_FALSE(token.empty());
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(stack_->serial_port()));
  std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 101) << head->status_line;
  ASSERT_TRUE(ws.SendBinary("hello"));
  std::string echoed;
  while (echoed.size() < 5) {
    std::optional<RawWebSocket::Frame> frame = ws.ReadDataFrame();
    ASSERT_TRUE(frame.has_value());
    echoed += frame->payload;
  }

  // While the session relays: it is active and its bytes already count.
  const PrometheusScrape live = Scrape();
  EXPECT_EQ(live.ValueOr0("porthole_console_sessions_active{console_type="
                          "\"serial\"}"),
            1);
  EXPECT_EQ(
      live.ValueOr0("porthole_console_relayed_bytes_total{direction=\"up\"}") -
          before.ValueOr0(
              "porthole_console_relayed_bytes_total{direction=\"up\"}"),
      5);

  RawWebSocket refused;
  ASSERT_TRUE(refused.Connect(stack_->serial_port()));
  std::optional<RawWebSocket::Head> no =
      refused.Upgrade("/?token=00000000-0000-4000-8000-000000000000");
  ASSERT_TRUE(no.has_value());
  EXPECT_EQ(no->status, 403);

  HttpReply sessions =
      HttpCall(stack_->api_port(), "GET", "/porthole/v1/console-sessions",
               {{"X-Auth-Token", kAdminToken}});
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  const std::string id =
      Json::parse(sessions.body)["console_sessions"][0]["id"];
  ASSERT_EQ(HttpCall(stack_->api_port(), "DELETE",
                     "/porthole/v1/console-sessions/" + id,
                     {{"X-Auth-Token", kAdminToken}})
                .status,
            204);
  std::optional<RawWebSocket::Frame> close = ws.ReadDataFrame();
  ASSERT_TRUE(close.has_value());
  ASSERT_TRUE(ws.SendFrame(8, close->payload));
  ws.Close();

  const std::string ended =
      "porthole_console_sessions_ended_total{console_type=\"serial\","
      "reason=\"ended-by-admin\"}";
  ASSERT_TRUE(
      WaitFor([&] { return Scrape().ValueOr0(ended) == 1; }, seconds(5)))
      << stack_->ControllerLog();
  const PrometheusScrape after = Scrape();
  auto moved = [&](const std::string& key) {
    return after.ValueOr0(key) - before.ValueOr0(key);
  };
  EXPECT_EQ(moved("porthole_console_urls_issued_total{console_type="
                  "\"serial\"}"),
            3);
  EXPECT_EQ(moved("porthole_console_admissions_refused_total{listener="
                  "\"serial\",reason=\"token-invalid\"}"),
            1);
  EXPECT_EQ(moved("porthole_console_sessions_started_total{console_type="
                  "\"serial\"}"),
            1);
  EXPECT_EQ(moved(ended), 1);
  EXPECT_EQ(moved("porthole_console_session_duration_seconds_count{console_"
                  "type=\"serial\"}"),
            1);
  EXPECT_EQ(moved("porthole_console_relayed_bytes_total{direction=\"up\"}"), 5);
  EXPECT_EQ(moved("porthole_console_relayed_bytes_total{direction=\"down\"}"),
            5);
  EXPECT_EQ(after.ValueOr0("porthole_console_sessions_active{console_type="
                           "\"serial\"}"),
            0);
  EXPECT_EQ(moved("porthole_api_request_duration_seconds_count{code=\"200\","
                  "route=\"/v2.1/servers/{server_id}/remote-consoles\"}"),
            3);
  EXPECT_EQ(moved("porthole_api_request_duration_seconds_count{code=\"200\","
                  "route=\"/porthole/v1/console-sessions\"}"),
            1);
  EXPECT_EQ(moved("porthole_api_request_duration_seconds_count{code=\"204\","
                  "route=\"/porthole/v1/console-sessions/{session_id}\"}"),
            1);
  EXPECT_EQ(moved("porthole_token_store_operation_duration_seconds_count{"
                  "backend=\"sqlite\",operation=\"insert\"}"),
            3);
  // One lookup for the admitted token; two for the refused one (the second
  // tells an expired token from an unknown one).
  EXPECT_EQ(moved("porthole_token_store_operation_duration_seconds_count{"
                  "backend=\"sqlite\",operation=\"find_valid\"}"),
            3);
  EXPECT_EQ(after.ValueOr0("porthole_token_store_errors_total{backend="
                           "\"sqlite\",operation=\"insert\"}"),
            0);
  EXPECT_EQ(after.ValueOr0("porthole_agent_links{state=\"up\"}"), 1);
  EXPECT_EQ(after.ValueOr0("porthole_agent_links{state=\"down\"}"), 0);
  // No server id, user or token in any label.
  for (const auto& [key, value] : after.samples) {
    EXPECT_EQ(key.find(kSerialLogUuid), std::string::npos) << key;
    EXPECT_EQ(key.find(token), std::string::npos) << key;
    EXPECT_EQ(key.find("aaaaaaaa-"), std::string::npos) << key;
  }
}

TEST_F(MetricsProcessTest, Health_AliveAlways_ReadyOnlyWithAnAgentLink) {
  HttpReply alive = HttpCall(metrics_port_, "GET", "/healthz");
  EXPECT_EQ(alive.status, 200);
  EXPECT_EQ(alive.body, "ok\n");
  HttpReply ready = HttpCall(metrics_port_, "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(HttpCall(metrics_port_, "GET", "/v2.1/servers").status, 404);
  EXPECT_EQ(HttpCall(metrics_port_, "POST", "/metrics").status, 405);

  stack_->KillAgent();
  HttpReply not_ready;
  EXPECT_TRUE(WaitFor(
      [&] {
        not_ready = HttpCall(metrics_port_, "GET", "/readyz");
        return not_ready.status == 503;
      },
      seconds(10)))
      << not_ready.status << " " << not_ready.body;
  EXPECT_EQ(not_ready.body, "not ready: no agent link is up\n");
  EXPECT_EQ(HttpCall(metrics_port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(Scrape().ValueOr0("porthole_agent_links{state=\"down\"}"), 1);

  ASSERT_TRUE(stack_->StartAgent());
  EXPECT_TRUE(WaitFor(
      [&] { return HttpCall(metrics_port_, "GET", "/readyz").status == 200; },
      seconds(15)));
}

TEST_F(MetricsProcessTest, Agent_LibvirtDomainsEventsAndRpcs) {
  ASSERT_FALSE(IssueSerialToken().empty());  // one GetConsole
  const PrometheusScrape s = ScrapePort(agent_metrics_port_);
  EXPECT_EQ(s.ValueOr0("porthole_agent_libvirt_connected"), 1);
  // The serial-log node: three running domains.
  EXPECT_EQ(s.ValueOr0("porthole_agent_domains{state=\"running\"}"), 3);
  EXPECT_EQ(s.ValueOr0("porthole_agent_domain_events_total{type=\"resynced\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_agent_libvirt_reconnects_total"), 0);
  EXPECT_EQ(s.ValueOr0("porthole_agent_rpc_duration_seconds_count{code=\"0\","
                       "method=\"GetConsole\"}"),
            1);
  EXPECT_EQ(HttpCall(agent_metrics_port_, "GET", "/healthz").status, 200);
  EXPECT_EQ(HttpCall(agent_metrics_port_, "GET", "/readyz").status, 200);
}

// An agent whose libvirt cannot be opened is alive but not ready.
TEST(AgentMetricsProcess, LibvirtUnreachable_Readyz503) {
  TempDir dir;
  const int port = PickFreePort();
  ChildProcess agent({AgentBinary(), "--config", "/dev/null", "--libvirt-uri",
                      "test://" + dir.path() + "/no-such-node.xml", "--listen",
                      "127.0.0.1:" + std::to_string(PickFreePort()),
                      "--metrics-listen", "127.0.0.1:" + std::to_string(port)},
                     {}, dir.path() + "/agent.log");
  ASSERT_TRUE(WaitForTcpPort("127.0.0.1", port, seconds(10)))
      << ReadFile(dir.path() + "/agent.log");
  EXPECT_EQ(HttpCall(port, "GET", "/healthz").status, 200);
  HttpReply ready = HttpCall(port, "GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "not ready: libvirt is not connected\n");
  EXPECT_EQ(ScrapePort(port).ValueOr0("porthole_agent_libvirt_connected"), 0);
}

}  // namespace
}  // namespace porthole::testing
