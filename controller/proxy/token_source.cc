#include "controller/proxy/token_source.h"

#include <vector>

#include "common/text.h"
#include "common/url_encoding.h"

namespace porthole::controller {
namespace {

// The last non-empty value of `key` in a query string (without '?').
std::optional<std::string> QueryValue(std::string_view query,
                                      std::string_view key) {
  std::optional<std::string> found;
  for (QueryParam& param : ParseQueryString(query)) {
    if (param.key == key && !param.value.empty()) {
      found = std::move(param.value);
    }
  }
  return found;
}

// The last non-empty value of cookie `name`. Parts without '=' are skipped.
std::optional<std::string> CookieValue(std::string_view header,
                                       std::string_view name) {
  std::optional<std::string> found;
  for (std::string_view part : Split(header, ';')) {
    part = Trim(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(part.substr(0, eq)) != name) continue;
    std::string_view value = Trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (!value.empty()) found = std::string(value);
  }
  return found;
}

// A `path` value is itself a target: "?token=T" or "websockify?token=T".
std::optional<std::string> TokenInPath(std::string_view path) {
  size_t question = path.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  return QueryValue(path.substr(question + 1), "token");
}

}  // namespace

std::optional<std::string> ExtractConsoleToken(std::string_view target,
                                               std::string_view cookie_header) {
  std::string_view query;
  if (size_t question = target.find('?'); question != std::string_view::npos) {
    query = target.substr(question + 1);
    if (size_t hash = query.find('#'); hash != std::string_view::npos) {
      query = query.substr(0, hash);
    }
  }
  if (auto token = QueryValue(query, "token")) return token;
  if (auto token = CookieValue(cookie_header, "token")) {
    return PercentDecode(*token, false);
  }
  if (auto path = QueryValue(query, "path")) {
    if (auto token = TokenInPath(*path)) return token;
  }
  if (auto path = CookieValue(cookie_header, "path")) {
    if (auto token = TokenInPath(PercentDecode(*path, false))) return token;
  }
  return std::nullopt;
}

}  // namespace porthole::controller
