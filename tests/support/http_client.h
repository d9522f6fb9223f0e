#ifndef PORTHOLE_TESTS_SUPPORT_HTTP_CLIENT_H_
#define PORTHOLE_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace porthole::testing {

// HTTP/1.1 for tests, one request per loopback connection, plain or TLS (no
// keep-alive, no chunked bodies), and the replies it reads.

struct HttpReply {
  int status = 0;  // 0: no reply (connection failed or closed)
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The last value of a header (case-insensitive name).
  std::optional<std::string> Header(const std::string& name) const;
  // Every value of a header, in order.
  std::vector<std::string> Headers(const std::string& name) const;
};

// One HTTP/1.1 request over a fresh loopback connection (Connection: close),
// with a 10 s bound on the whole exchange. For tests only: no chunked bodies.
HttpReply HttpCall(
    int port, const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    const std::string& body = "");

// GET `target` over TLS on a fresh loopback connection (Connection: close),
// with a 10 s bound on the whole exchange: the server's certificate must
// chain to `ca_file` and name IP 127.0.0.1. Status 0 when there was no
// complete reply, and why in `*error` (when given): a refused connection,
// the certificate check that failed, a timeout. For tests only.
HttpReply HttpsGet(int port, const std::string& target,
                   const std::string& ca_file, std::string* error = nullptr);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_HTTP_CLIENT_H_
