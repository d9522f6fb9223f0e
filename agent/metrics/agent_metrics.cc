#include "agent/metrics/agent_metrics.h"

#include <atomic>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace porthole::agent {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Histogram;

// "CHANGE_TYPE_CONSOLES_CHANGED" -> "consoles_changed".
std::string EnumLabel(absl::string_view name, absl::string_view prefix) {
  absl::ConsumePrefix(&name, prefix);
  return absl::AsciiStrToLower(name);
}

const Histogram::BucketBoundaries& RpcBuckets() {
  // A GetConsole reads one domain's live XML: a millisecond or so; a hung
  // libvirtd shows in the upper buckets.
  static const Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
  return kBuckets;
}

}  // namespace

struct AgentMetrics::Families {
  prometheus::Registry registry;
  Family<Counter>& events =
      BuildCounter()
          .Name("porthole_agent_domain_events_total")
          .Help(
              "Changes to the domain inventory sent to watchers, by type "
              "(resynced: after every libvirt (re)connect)")
          .Register(registry);
  Family<Counter>& reconnects_family =
      BuildCounter()
          .Name("porthole_agent_libvirt_reconnects_total")
          .Help(
              "Times the agent connected to libvirt again after its first "
              "connection")
          .Register(registry);
  Counter& reconnects = reconnects_family.Add({});
  Family<Histogram>& rpcs =
      BuildHistogram()
          .Name("porthole_agent_rpc_duration_seconds")
          .Help(
              "Unary gRPC calls served, by method and status code, and how "
              "long each took")
          .Register(registry);
  std::atomic<bool> connected_once{false};
};

AgentMetrics::AgentMetrics(Inventory* inventory,
                           std::function<bool()> connected)
    : inventory_(inventory),
      connected_(std::move(connected)),
      families_(std::make_unique<Families>()) {
  v1::WatchDomainsResponse snapshot;
  subscription_ = inventory_->Subscribe(
      [this](const v1::WatchDomainsResponse& change) { OnChange(change); },
      &snapshot);
  // Connected before we subscribed: the next resync is a reconnect.
  if (!snapshot.domains().empty() || connected_()) {
    families_->connected_once = true;
  }
}

AgentMetrics::~AgentMetrics() { inventory_->Unsubscribe(subscription_); }

void AgentMetrics::OnChange(const v1::WatchDomainsResponse& change) {
  if (change.change() == v1::CHANGE_TYPE_HEARTBEAT) return;
  if (change.change() == v1::CHANGE_TYPE_RESYNCED &&
      families_->connected_once.exchange(true)) {
    families_->reconnects.Increment();
  }
  families_->events
      .Add({{"type",
             EnumLabel(v1::ChangeType_Name(change.change()), "CHANGE_TYPE_")}})
      .Increment();
}

void AgentMetrics::ObserveRpc(std::string_view method, int code,
                              absl::Duration elapsed) {
  families_->rpcs
      .Add({{"method", std::string(method)}, {"code", std::to_string(code)}},
           RpcBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

std::vector<prometheus::MetricFamily> AgentMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families =
      families_->registry.Collect();
  prometheus::ClientMetric connected;
  connected.gauge.value = connected_() ? 1 : 0;
  families.push_back({"porthole_agent_libvirt_connected",
                      "1 while the agent's libvirt connection is open",
                      prometheus::MetricType::Gauge,
                      {connected}});
  std::map<std::string, int> by_state;
  const v1::ListDomainsResponse listed = inventory_->List();
  for (const v1::Domain& domain : listed.domains()) {
    ++by_state[EnumLabel(v1::DomainState_Name(domain.state()),
                         "DOMAIN_STATE_")];
  }
  prometheus::MetricFamily domains{
      "porthole_agent_domains",
      "Domains libvirt reports on this host, by state",
      prometheus::MetricType::Gauge,
      {}};
  for (const auto& [state, count] : by_state) {
    prometheus::ClientMetric metric;
    metric.label.push_back({"state", state});
    metric.gauge.value = count;
    domains.metric.push_back(std::move(metric));
  }
  families.push_back(std::move(domains));
  return families;
}

}  // namespace porthole::agent
