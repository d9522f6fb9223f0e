#include "controller/http/http_message.h"

#include <strings.h>

namespace porthole::controller {
namespace {

std::optional<std::string> FindLast(const HttpHeaders& headers,
                                    std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        strncasecmp(key.data(), name.data(), name.size()) == 0) {
      found = value;
    }
  }
  return found;
}

}  // namespace

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  return FindLast(headers, name);
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  return FindLast(headers, name);
}

}  // namespace porthole::controller
