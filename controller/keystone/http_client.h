#ifndef PORTHOLE_CONTROLLER_KEYSTONE_HTTP_CLIENT_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_HTTP_CLIENT_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace porthole::controller::keystone {

struct HttpClientOptions {
  std::string ca_file;    // empty: the system's CA store
  std::string cert_file;  // client certificate (PEM), with key_file
  std::string key_file;
  bool insecure = false;  // skip verifying the server's certificate
  // Bounds one request, connecting included.
  absl::Duration timeout = absl::Seconds(3);
  // A larger response body is an error, read no further.
  size_t max_response_bytes = 1 << 20;
  // Idle easy handles kept (each holds its open connections).
  size_t max_idle_handles = 16;
};

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of a header (case-insensitive name).
  std::optional<std::string> Header(std::string_view name) const;
};

// A small blocking HTTP(S) client on libcurl: TLS with the system's or the
// configured CAs, an optional client certificate, proxies from the
// environment (http_proxy, https_proxy, no_proxy, as libcurl reads them),
// no redirects, http and https only. Connections are reused through a pool
// of easy handles; a server that closes after each answer (HTTP/1.0, as
// Keystone's wsgiref server does) simply gets a new connection.
// Send() blocks the calling thread for at most `timeout`. Errors:
//   UNAVAILABLE         no answer (connection refused, TLS failure, timeout);
//   RESOURCE_EXHAUSTED  the body is larger than max_response_bytes.
// Any HTTP status is an answer. Thread-safe.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  absl::StatusOr<HttpClientResponse> Send(const HttpClientRequest& request);

 private:
  struct Handle;  // a CURL easy handle (kept out of this header)
  std::unique_ptr<Handle> TakeHandle();
  void ReturnHandle(std::unique_ptr<Handle> handle);

  const HttpClientOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_HTTP_CLIENT_H_
