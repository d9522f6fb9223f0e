#include "common/host_port.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>

#include "absl/strings/str_cat.h"

namespace porthole {

std::string HostPort::ToString() const {
  return absl::StrCat(BracketIfIpv6(host), ":", port);
}

absl::StatusOr<uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid port '", std::string(text), "'"));
  }
  return static_cast<uint16_t>(value);
}

absl::StatusOr<HostPort> ParseHostPort(std::string_view text,
                                       uint16_t default_port) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid address '", std::string(text), "', expected host:port"));
  };
  HostPort result;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1) return invalid();
    result.host = std::string(text.substr(1, close - 1));
    rest = text.substr(close + 1);
  } else {
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos &&
        text.find(':') != colon) {  // a bare IPv6 literal has no port
      return invalid();
    }
    result.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view()
                                           : text.substr(colon);
  }
  if (result.host.empty()) return invalid();
  if (rest.empty()) {
    if (default_port == 0) return invalid();
    result.port = default_port;
    return result;
  }
  if (rest.front() != ':') return invalid();
  absl::StatusOr<uint16_t> port = ParsePort(rest.substr(1));
  if (!port.ok()) return invalid();
  result.port = *port;
  return result;
}

bool IsWildcardAddress(std::string_view host) {
  std::string bare(host);
  if (bare.size() >= 2 && bare.front() == '[' && bare.back() == ']') {
    bare = bare.substr(1, bare.size() - 2);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, bare.c_str(), &v4) == 1) {
    return v4.s_addr == htonl(INADDR_ANY);
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, bare.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_UNSPECIFIED(&v6)) return true;
    // ::ffff:0.0.0.0, the IPv4 wildcard in mapped form.
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      return std::all_of(v6.s6_addr + 12, v6.s6_addr + 16,
                         [](uint8_t b) { return b == 0; });
    }
  }
  return false;
}

std::string BracketIfIpv6(std::string_view host) {
  if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
    return absl::StrCat("[", std::string(host), "]");
  }
  return std::string(host);
}

std::string LocalHostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "controller";
  return name;
}

}  // namespace porthole
