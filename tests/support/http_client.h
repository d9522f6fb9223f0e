#ifndef PORTHOLE_TESTS_SUPPORT_HTTP_CLIENT_H_
#define PORTHOLE_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace porthole::testing {

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

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_HTTP_CLIENT_H_
