#include "controller/metrics/metrics_server.h"

#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/http/http_server.h"
#include "prometheus/text_serializer.h"

namespace porthole::controller {
namespace {

HttpResponse Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.AddHeader("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

}  // namespace

HttpResponse ServeMetricsRequest(const HttpRequest& request,
                                 const MetricsCollector& collect,
                                 const ReadinessCheck& ready) {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path != "/metrics" && path != "/healthz" && path != "/readyz") {
    return Text(404, "not found\n");
  }
  if (request.method != "GET") {
    HttpResponse response = Text(405, "method not allowed\n");
    response.AddHeader("Allow", "GET");
    return response;
  }
  if (path == "/healthz") return Text(200, "ok\n");
  if (path == "/readyz") {
    const absl::Status status = ready ? ready() : absl::OkStatus();
    if (!status.ok()) {
      return Text(503, absl::StrCat("not ready: ", status.message(), "\n"));
    }
    return Text(200, "ready\n");
  }
  HttpResponse response;
  response.AddHeader("Content-Type",
                     "text/plain; version=0.0.4; charset=utf-8");
  response.body = prometheus::TextSerializer().Serialize(collect());
  return response;
}

MetricsServer::MetricsServer(HostPort listen, MetricsCollector collect,
                             ReadinessCheck ready, net::EventLoop* loop) {
  HttpServerOptions options;
  options.name = "metrics";
  options.listen = std::move(listen);
  options.max_body_bytes = 1024;
  options.max_header_bytes = size_t{8} * 1024;
  options.max_connections = 64;
  options.handler_threads = 2;
  server_ = std::make_unique<HttpServer>(
      options,
      [collect = std::move(collect),
       ready = std::move(ready)](const HttpRequest& request) {
        return ServeMetricsRequest(request, collect, ready);
      },
      [](int status, const std::string& reason) {
        return Text(status, reason + "\n");
      },
      loop);
}

MetricsServer::~MetricsServer() { Stop(); }

absl::Status MetricsServer::Start() { return server_->Start(); }

uint16_t MetricsServer::port() const { return server_->port(); }

void MetricsServer::Stop() { server_->Stop(absl::Seconds(1)); }

}  // namespace porthole::controller
