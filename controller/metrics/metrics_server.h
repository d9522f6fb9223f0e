// The metrics and health listener of a daemon ([metrics] listen).
#ifndef PORTHOLE_CONTROLLER_METRICS_METRICS_SERVER_H_
#define PORTHOLE_CONTROLLER_METRICS_METRICS_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "common/host_port.h"
#include "controller/http/http_message.h"
#include "prometheus/metric_family.h"

namespace porthole::controller {

class HttpServer;
namespace net {
class EventLoop;
}  // namespace net

// What /metrics shows: the families of a prometheus::Registry and any
// values read at scrape time. Called on the listener's worker thread.
using MetricsCollector = std::function<std::vector<prometheus::MetricFamily>()>;
// What /readyz asks: OK, or why the daemon should get no traffic yet. May
// block briefly (a token store lookup); called on the worker thread.
using ReadinessCheck = std::function<absl::Status()>;

// Pure: one request to the metrics listener. GET /metrics: 200,
// Prometheus text format 0.0.4 written by prometheus-cpp's TextSerializer;
// /healthz: 200 "ok" (the process answers); /readyz: 200 "ready", or 503
// with the check's message. Any other path 404, any other method 405. The
// query string is ignored.
HttpResponse ServeMetricsRequest(const HttpRequest& request,
                                 const MetricsCollector& collect,
                                 const ReadinessCheck& ready);

// The listener: an HttpServer (controller/http, on the shared network edge)
// with ServeMetricsRequest as its handler, small limits and two worker
// threads, so a slow readiness check never delays a scrape for long and
// never touches the API's or the proxies' threads. On `loop` when given (the
// controller's one event loop, which must outlive the server), else on a
// loop of its own (the agent). Start/Stop from one thread.
class MetricsServer {
 public:
  MetricsServer(HostPort listen, MetricsCollector collect, ReadinessCheck ready,
                net::EventLoop* loop = nullptr);
  ~MetricsServer();  // Stop()s
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Errors: "cannot listen on HOST:PORT: <why>".
  absl::Status Start();
  uint16_t port() const;
  // Stops accepting and closes every connection (a scrape in flight gets a
  // second to finish). Idempotent.
  void Stop();

 private:
  std::unique_ptr<HttpServer> server_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_METRICS_METRICS_SERVER_H_
