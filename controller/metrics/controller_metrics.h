// porthole-controller's Prometheus series: the one place that names them.
#ifndef PORTHOLE_CONTROLLER_METRICS_CONTROLLER_METRICS_H_
#define PORTHOLE_CONTROLLER_METRICS_CONTROLLER_METRICS_H_

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "prometheus/metric_family.h"

namespace porthole::controller {

class ConsoleSessionRegistry;

// The controller's metrics in one prometheus::Registry. The API, the audit
// stream (MetricsAuditLog), the token store (InstrumentedTokenStore) and
// Keystone call the Observe/Count methods; values that already live
// elsewhere (sessions open now and the bytes they relayed, agent links) are
// read from their owners at scrape time (SetSessions, SetAgentLinks), so the
// relay's hot path pays nothing. Code without metrics holds a null
// ControllerMetrics* and skips the call. Label values come from fixed sets
// (route templates, console types, reasons, backends), never server ids,
// users or tokens. Thread-safe; each call is a label lookup under
// prometheus-cpp's family lock and an atomic add.
class ControllerMetrics {
 public:
  struct AgentLinkCounts {
    int up = 0;
    int down = 0;
  };
  using AgentLinkSource = std::function<AgentLinkCounts()>;

  ControllerMetrics();
  ~ControllerMetrics();
  ControllerMetrics(const ControllerMetrics&) = delete;
  ControllerMetrics& operator=(const ControllerMetrics&) = delete;

  // porthole_api_request_duration_seconds{route,code}: `route` is a
  // RouteLabel (controller/api/router.h).
  void ObserveApiRequest(std::string_view route, int status,
                         absl::Duration elapsed);
  // porthole_console_urls_issued_total{console_type}
  void CountUrlIssued(std::string_view console_type);
  // porthole_console_admissions_refused_total{listener,reason}: `reason` is
  // the X-Porthole-Error value.
  void CountAdmissionRefused(std::string_view listener,
                             std::string_view reason);
  // porthole_console_sessions_started_total{console_type}
  void CountSessionStarted(std::string_view console_type);
  // porthole_console_session_duration_seconds{console_type} and
  // porthole_console_sessions_ended_total{console_type,reason}.
  void ObserveSessionEnd(std::string_view console_type, std::string_view reason,
                         absl::Duration duration);
  // porthole_token_store_operation_duration_seconds{backend,operation} and,
  // when !ok, porthole_token_store_errors_total{backend,operation}.
  void ObserveStoreOperation(std::string_view backend,
                             std::string_view operation, absl::Duration elapsed,
                             bool ok);
  // porthole_keystone_validation_duration_seconds{result}: one round trip
  // to Keystone; result ok | refused | error.
  void ObserveKeystoneValidation(absl::Duration elapsed,
                                 std::string_view result);
  // porthole_keystone_token_cache_lookups_total{result="hit"|"miss"}.
  void CountKeystoneCacheLookup(bool hit);

  // Scrape-time sources; set once before the listener starts. The
  // registry and the source must outlive this object's Collect calls.
  // porthole_console_sessions_active{console_type} and
  // porthole_console_relayed_bytes_total{direction="up"|"down"}.
  void SetSessions(const ConsoleSessionRegistry* sessions);
  // porthole_agent_links{state="up"|"down"}: the agents this replica follows.
  void SetAgentLinks(AgentLinkSource source);

  // Every family, for the MetricsServer.
  std::vector<prometheus::MetricFamily> Collect() const;

 private:
  struct Families;
  std::unique_ptr<Families> families_;
  const ConsoleSessionRegistry* sessions_ = nullptr;
  AgentLinkSource agent_links_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_METRICS_CONTROLLER_METRICS_H_
