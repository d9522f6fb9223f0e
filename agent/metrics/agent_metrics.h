// porthole-agent's Prometheus series: the one place that names them.
#ifndef PORTHOLE_AGENT_METRICS_AGENT_METRICS_H_
#define PORTHOLE_AGENT_METRICS_AGENT_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "agent/domain/inventory.h"
#include "prometheus/metric_family.h"

namespace porthole::agent {

// The agent's metrics in one prometheus::Registry:
//   porthole_agent_libvirt_connected            gauge, read at scrape time
//   porthole_agent_libvirt_reconnects_total     resyncs after the first
//   porthole_agent_domain_events_total{type}    inventory changes (started,
//                                               stopped, defined, ...;
//                                               heartbeats not counted)
//   porthole_agent_domains{state}               gauge, read at scrape time
//   porthole_agent_rpc_duration_seconds{method,code}  unary gRPC calls
// It follows `inventory` (Subscribe) from construction to destruction; both
// `inventory` and `connected` must outlive it. Label values come from
// enums and the service's method names, never domain UUIDs. Thread-safe.
class AgentMetrics {
 public:
  AgentMetrics(Inventory* inventory, std::function<bool()> connected);
  ~AgentMetrics();
  AgentMetrics(const AgentMetrics&) = delete;
  AgentMetrics& operator=(const AgentMetrics&) = delete;

  // One finished unary call; `method` is the gRPC path's last segment
  // ("GetConsole"), `code` the grpc::StatusCode's number.
  void ObserveRpc(std::string_view method, int code, absl::Duration elapsed);

  // Every family, for the MetricsServer.
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  struct Families;
  void OnChange(const v1::WatchDomainsResponse& change);

  Inventory* inventory_;
  std::function<bool()> connected_;
  std::unique_ptr<Families> families_;
  uint64_t subscription_ = 0;
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_METRICS_AGENT_METRICS_H_
