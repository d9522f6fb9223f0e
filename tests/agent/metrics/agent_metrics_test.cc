// The agent's series from a real Inventory, read back through a real
// Prometheus text parser.
#include "agent/metrics/agent_metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "agent/metrics/rpc_metrics_interceptor.h"
#include "controller/metrics/metrics_server.h"
#include "tests/support/prometheus_text.h"

namespace porthole::agent {
namespace {

using ::porthole::testing::ParsePrometheusText;
using ::porthole::testing::PrometheusScrape;

constexpr char kA[] = "11111111-1111-4111-8111-111111111111";
constexpr char kB[] = "22222222-2222-4222-8222-222222222222";

v1::Domain MakeDomain(const std::string& uuid, v1::DomainState state) {
  v1::Domain d;
  d.set_uuid(uuid);
  d.set_name("instance-" + uuid.substr(0, 4));
  d.set_state(state);
  return d;
}

PrometheusScrape Scrape(const AgentMetrics& metrics) {
  controller::HttpRequest request;
  request.method = "GET";
  request.target = "/metrics";
  controller::HttpResponse response = controller::ServeMetricsRequest(
      request, [&] { return metrics.Collect(); }, nullptr);
  PrometheusScrape scrape = ParsePrometheusText(response.body);
  EXPECT_TRUE(scrape.ok) << scrape.error << "\n" << response.body;
  return scrape;
}

TEST(AgentMetrics, InventoryChanges_CountedByType_ReconnectsAfterTheFirst) {
  Inventory inventory;
  std::atomic<bool> connected{false};
  AgentMetrics metrics(&inventory, [&] { return connected.load(); });

  EXPECT_EQ(Scrape(metrics).ValueOr0("porthole_agent_libvirt_connected"), 0);
  connected = true;
  inventory.Replace({MakeDomain(kA, v1::DOMAIN_STATE_RUNNING),
                     MakeDomain(kB, v1::DOMAIN_STATE_SHUTOFF)},
                    v1::CHANGE_TYPE_RESYNCED);
  inventory.Upsert(MakeDomain(kB, v1::DOMAIN_STATE_RUNNING));  // started
  inventory.Heartbeat();
  PrometheusScrape s = Scrape(metrics);
  EXPECT_EQ(s.ValueOr0("porthole_agent_libvirt_connected"), 1);
  EXPECT_EQ(s.ValueOr0("porthole_agent_domains{state=\"running\"}"), 2);
  EXPECT_EQ(s.ValueOr0("porthole_agent_domain_events_total{type=\"resynced\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_agent_domain_events_total{type=\"started\"}"),
            1);
  EXPECT_FALSE(s.Value("porthole_agent_domain_events_total{type=\"heartbeat\"}")
                   .has_value());
  EXPECT_EQ(s.ValueOr0("porthole_agent_libvirt_reconnects_total"), 0);

  // libvirtd restarts: disconnected, then a resync.
  connected = false;
  inventory.SetDisconnected();
  connected = true;
  inventory.Replace({MakeDomain(kA, v1::DOMAIN_STATE_PAUSED)},
                    v1::CHANGE_TYPE_RESYNCED);
  s = Scrape(metrics);
  EXPECT_EQ(s.ValueOr0("porthole_agent_libvirt_reconnects_total"), 1);
  EXPECT_EQ(
      s.ValueOr0("porthole_agent_domain_events_total{type=\"disconnected\"}"),
      1);
  EXPECT_EQ(s.ValueOr0("porthole_agent_domains{state=\"paused\"}"), 1);
  EXPECT_FALSE(
      s.Value("porthole_agent_domains{state=\"running\"}").has_value());
}

TEST(AgentMetrics, Rpcs_ByMethodAndCode) {
  Inventory inventory;
  AgentMetrics metrics(&inventory, [] { return true; });
  metrics.ObserveRpc("GetConsole", 0, absl::Microseconds(800));
  metrics.ObserveRpc("GetConsole", 5, absl::Microseconds(300));
  PrometheusScrape s = Scrape(metrics);
  EXPECT_EQ(s.ValueOr0("porthole_agent_rpc_duration_seconds_count{code=\"0\","
                       "method=\"GetConsole\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_agent_rpc_duration_seconds_bucket{code=\"0\","
                       "le=\"0.001\",method=\"GetConsole\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_agent_rpc_duration_seconds_count{code=\"5\","
                       "method=\"GetConsole\"}"),
            1);
}

TEST(RpcMethodLabel, ServedMethodsByName_AnythingElseOther) {
  EXPECT_EQ(RpcMethodLabel("/porthole.agent.v1.ConsoleAgent/GetConsole"),
            "GetConsole");
  EXPECT_EQ(RpcMethodLabel("/porthole.agent.v1.ConsoleAgent/ListDomains"),
            "ListDomains");
  EXPECT_EQ(RpcMethodLabel("/porthole.agent.v1.ConsoleAgent/Nope"), "other");
  EXPECT_EQ(RpcMethodLabel("/grpc.health.v1.Health/Check"), "Health/Check");
  EXPECT_EQ(RpcMethodLabel("/x.Y/" + std::string(1000, 'z')), "other");
}

}  // namespace
}  // namespace porthole::agent
