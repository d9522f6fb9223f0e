#ifndef PORTHOLE_CONTROLLER_HTTP_HTTP_MESSAGE_H_
#define PORTHOLE_CONTROLLER_HTTP_HTTP_MESSAGE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace porthole::controller {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One HTTP request as the API's pure core sees it: no sockets, no Beast. The
// server fills it; tests and fuzzers build it by hand.
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query, as sent: "/v2.1/servers?name=x"
  HttpHeaders headers;
  std::string body;
  std::string peer;  // remote address, for logs

  // The last value of a header, matched case-insensitively; nullopt if absent.
  std::optional<std::string> Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // a name may repeat (two Vary lines)
  std::string body;

  std::optional<std::string> Header(std::string_view name) const;
  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_HTTP_HTTP_MESSAGE_H_
