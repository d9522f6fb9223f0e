#ifndef PORTHOLE_CONTROLLER_HTTP_HTTP_SERVER_H_
#define PORTHOLE_CONTROLLER_HTTP_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "controller/http/http_message.h"

namespace porthole::controller {

namespace net {
class EventLoop;
}  // namespace net

struct HttpServerOptions {
  std::string name = "api";  // the listener's name in log lines
  HostPort listen;
  size_t max_body_bytes = 64 * 1024;    // larger bodies: 413, refused unread
  size_t max_header_bytes = 16 * 1024;  // larger headers: 431
  // The whole request head must arrive within this (slowloris clients are
  // cut); then the body within the same span again.
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration idle_timeout =
      absl::Seconds(60);          // between keep-alive requests
  size_t max_connections = 1024;  // beyond: 503 and close
  int handler_threads = 8;        // handlers may block (gRPC, SQLite)
};

// A plain HTTP/1.1 server (Boost.Beast underneath, kept out of this header)
// that hands each complete request to `handler` on a worker pool and writes
// back what it returns. Limits are enforced before a handler runs; their
// responses come from `reject` (status, reason), so the API can answer in
// Nova's error shape. Keep-alive, one request at a time per connection.
// Its sockets run on `loop` (the controller's one event loop, which must
// outlive the server and be stopped after it); without one the server runs
// its own. Start/Stop from one thread; handlers run concurrently.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  using Rejecter =
      std::function<HttpResponse(int status, const std::string& reason)>;

  HttpServer(HttpServerOptions options, Handler handler, Rejecter reject,
             net::EventLoop* loop = nullptr);
  ~HttpServer();  // Stop(0)s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving. Errors: "cannot listen on HOST:PORT: <why>".
  absl::Status Start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Stops accepting, closes idle keep-alive connections, lets in-flight
  // requests finish for up to `drain`, then closes every connection.
  // Idempotent.
  void Stop(absl::Duration drain);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_HTTP_HTTP_SERVER_H_
