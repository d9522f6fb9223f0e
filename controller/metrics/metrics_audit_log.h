// The audit stream as metrics: counts what the API and the proxy record.
#ifndef PORTHOLE_CONTROLLER_METRICS_METRICS_AUDIT_LOG_H_
#define PORTHOLE_CONTROLLER_METRICS_METRICS_AUDIT_LOG_H_

#include "absl/status/status.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/sessions/audit_log.h"

namespace porthole::controller {

// An AuditLog in front of another (or of none): every record the API and
// the proxies write passes here, is counted in `metrics` and goes on to
// `next` unchanged. The audit records already are the one funnel of these
// events with their fields (console type, refusal reason, end reason,
// duration), so the proxy needs no hook of its own:
//   url-issued         -> CountUrlIssued(console_type)
//   admission-refused  -> CountAdmissionRefused(listener, reason)
//   session-start      -> CountSessionStarted(console_type)
//   session-end        -> ObserveSessionEnd(console_type, end_reason,
//                         duration_ms)
// Other records are forwarded only. Thread-safe when `next` is; both must
// outlive it. `next` may be null (no [audit] file).
class MetricsAuditLog : public AuditLog {
 public:
  MetricsAuditLog(ControllerMetrics* metrics, AuditLog* next);

  void Write(const AuditRecord& record) override;
  absl::Status Reopen() override;

 private:
  ControllerMetrics* metrics_;
  AuditLog* next_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_METRICS_METRICS_AUDIT_LOG_H_
