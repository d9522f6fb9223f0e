#include "controller/metrics/controller_metrics.h"

#include <string>
#include <utility>

#include "controller/sessions/console_session_registry.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace porthole::controller {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Histogram;

// Request latencies: 1 ms to 10 s (a Keystone round trip or an agent call
// bounded by [agents] timeout sits in the upper buckets).
const Histogram::BucketBoundaries& RequestBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

// Token store calls: 100 us (a SQLite lookup) to [consoleauth] store_timeout.
const Histogram::BucketBoundaries& StoreBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
  return kBuckets;
}

// Console sessions: a second to a day.
const Histogram::BucketBoundaries& SessionBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      1, 10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400};
  return kBuckets;
}

prometheus::ClientMetric Sample(std::string label, std::string value,
                                double number, bool counter) {
  prometheus::ClientMetric metric;
  metric.label.push_back({std::move(label), std::move(value)});
  if (counter) {
    metric.counter.value = number;
  } else {
    metric.gauge.value = number;
  }
  return metric;
}

}  // namespace

struct ControllerMetrics::Families {
  prometheus::Registry registry;
  Family<Histogram>& api_requests =
      BuildHistogram()
          .Name("porthole_api_request_duration_seconds")
          .Help(
              "Compute API requests by route template and status code, "
              "and how long each took")
          .Register(registry);
  Family<Counter>& urls_issued =
      BuildCounter()
          .Name("porthole_console_urls_issued_total")
          .Help("Console URLs issued, by console type")
          .Register(registry);
  Family<Counter>& admissions_refused =
      BuildCounter()
          .Name("porthole_console_admissions_refused_total")
          .Help(
              "WebSocket upgrades refused before the 101, by proxy "
              "listener and reason (the X-Porthole-Error value)")
          .Register(registry);
  Family<Counter>& sessions_started =
      BuildCounter()
          .Name("porthole_console_sessions_started_total")
          .Help("Console sessions started, by console type")
          .Register(registry);
  Family<Counter>& sessions_ended =
      BuildCounter()
          .Name("porthole_console_sessions_ended_total")
          .Help("Console sessions ended, by console type and end reason")
          .Register(registry);
  Family<Histogram>& session_duration =
      BuildHistogram()
          .Name("porthole_console_session_duration_seconds")
          .Help("How long console sessions lasted, by console type")
          .Register(registry);
  Family<Histogram>& store_operations =
      BuildHistogram()
          .Name("porthole_token_store_operation_duration_seconds")
          .Help("Token store calls by backend (sqlite, etcd) and operation")
          .Register(registry);
  Family<Counter>& store_errors =
      BuildCounter()
          .Name("porthole_token_store_errors_total")
          .Help("Token store calls that failed, by backend and operation")
          .Register(registry);
  Family<Histogram>& keystone_validations =
      BuildHistogram()
          .Name("porthole_keystone_validation_duration_seconds")
          .Help(
              "Token validations that asked Keystone, by result (ok, "
              "refused, error)")
          .Register(registry);
  Family<Counter>& keystone_cache =
      BuildCounter()
          .Name("porthole_keystone_token_cache_lookups_total")
          .Help(
              "API tokens looked up in the validation cache, by result "
              "(hit: answered without asking Keystone)")
          .Register(registry);
};

ControllerMetrics::ControllerMetrics()
    : families_(std::make_unique<Families>()) {}

ControllerMetrics::~ControllerMetrics() = default;

void ControllerMetrics::ObserveApiRequest(std::string_view route, int status,
                                          absl::Duration elapsed) {
  families_->api_requests
      .Add({{"route", std::string(route)}, {"code", std::to_string(status)}},
           RequestBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void ControllerMetrics::CountUrlIssued(std::string_view console_type) {
  families_->urls_issued.Add({{"console_type", std::string(console_type)}})
      .Increment();
}

void ControllerMetrics::CountAdmissionRefused(std::string_view listener,
                                              std::string_view reason) {
  families_->admissions_refused
      .Add({{"listener", std::string(listener)},
            {"reason", std::string(reason)}})
      .Increment();
}

void ControllerMetrics::CountSessionStarted(std::string_view console_type) {
  families_->sessions_started.Add({{"console_type", std::string(console_type)}})
      .Increment();
}

void ControllerMetrics::ObserveSessionEnd(std::string_view console_type,
                                          std::string_view reason,
                                          absl::Duration duration) {
  families_->sessions_ended
      .Add({{"console_type", std::string(console_type)},
            {"reason", std::string(reason)}})
      .Increment();
  families_->session_duration
      .Add({{"console_type", std::string(console_type)}}, SessionBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

void ControllerMetrics::ObserveStoreOperation(std::string_view backend,
                                              std::string_view operation,
                                              absl::Duration elapsed, bool ok) {
  const prometheus::Labels labels = {{"backend", std::string(backend)},
                                     {"operation", std::string(operation)}};
  families_->store_operations.Add(labels, StoreBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
  if (!ok) families_->store_errors.Add(labels).Increment();
}

void ControllerMetrics::ObserveKeystoneValidation(absl::Duration elapsed,
                                                  std::string_view result) {
  families_->keystone_validations
      .Add({{"result", std::string(result)}}, RequestBuckets())
      .Observe(absl::ToDoubleSeconds(elapsed));
}

void ControllerMetrics::CountKeystoneCacheLookup(bool hit) {
  families_->keystone_cache.Add({{"result", hit ? "hit" : "miss"}}).Increment();
}

void ControllerMetrics::SetSessions(const ConsoleSessionRegistry* sessions) {
  sessions_ = sessions;
}

void ControllerMetrics::SetAgentLinks(AgentLinkSource source) {
  agent_links_ = std::move(source);
}

std::vector<prometheus::MetricFamily> ControllerMetrics::Collect() const {
  std::vector<prometheus::MetricFamily> families =
      families_->registry.Collect();
  if (sessions_ != nullptr) {
    const ConsoleSessionTotals totals = sessions_->Totals();
    prometheus::MetricFamily active{
        "porthole_console_sessions_active",
        "Console sessions relaying now on this replica, by console type",
        prometheus::MetricType::Gauge,
        {}};
    for (const auto& [type, count] : totals.active_by_type) {
      active.metric.push_back(
          Sample("console_type", type, static_cast<double>(count), false));
    }
    families.push_back(std::move(active));
    families.push_back(prometheus::MetricFamily{
        "porthole_console_relayed_bytes_total",
        "Bytes relayed by the console proxies, by direction (up: client to "
        "console, down: console to client), live sessions included",
        prometheus::MetricType::Counter,
        {Sample("direction", "up", static_cast<double>(totals.bytes_up), true),
         Sample("direction", "down", static_cast<double>(totals.bytes_down),
                true)}});
  }
  if (agent_links_) {
    const AgentLinkCounts links = agent_links_();
    families.push_back(prometheus::MetricFamily{
        "porthole_agent_links",
        "Agents this replica follows, by state (up: watch stream in sync)",
        prometheus::MetricType::Gauge,
        {Sample("state", "up", links.up, false),
         Sample("state", "down", links.down, false)}});
  }
  return families;
}

}  // namespace porthole::controller
