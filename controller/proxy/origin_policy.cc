#include "controller/proxy/origin_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole::controller {
namespace {

// IPv4 addresses are kept as IPv4-mapped IPv6, so one comparison covers
// both and a peer seen as ::ffff:10.0.0.1 (dual-stack listener) matches
// 10.0.0.0/8.
std::optional<std::array<uint8_t, 16>> ParseAddress(std::string_view text,
                                                    bool* is_v4) {
  std::string copy(text);
  std::array<uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    *is_v4 = true;
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    *is_v4 = false;
    return out;
  }
  return std::nullopt;
}

// The first element of a comma-separated forwarding header: the value the
// proxy nearest the client wrote.
std::string FirstListItem(std::string_view value) {
  return std::string(
      Trim(value.substr(0, std::min(value.size(), value.find(',')))));
}

// http and ws, https and wss are the same for this check (Nova's rule).
std::string NormalizeScheme(std::string_view scheme) {
  std::string s = AsciiLower(scheme);
  if (s == "ws") return "http";
  if (s == "wss") return "https";
  return s;
}

std::string SchemeOf(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return "";
  return std::string(url.substr(0, sep));
}

}  // namespace

std::string HostNameOf(std::string_view text) {
  text = Trim(text);
  std::string_view host;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return "";
    host = text.substr(1, close - 1);
  } else {
    host = text.substr(0, std::min(text.size(), text.find(':')));
  }
  return AsciiLower(host);
}

absl::StatusOr<OriginPolicy> OriginPolicy::Create(
    std::vector<std::string> allowed_origins,
    const std::vector<std::string>& trusted_proxies) {
  OriginPolicy policy;
  for (std::string& origin : allowed_origins) {
    origin = AsciiLower(origin);
  }
  policy.allowed_origins_ = std::move(allowed_origins);
  for (const std::string& entry : trusted_proxies) {
    std::string_view text = entry;
    std::string_view bits;
    if (size_t slash = text.find('/'); slash != std::string_view::npos) {
      bits = text.substr(slash + 1);
      text = text.substr(0, slash);
    }
    bool is_v4 = false;
    auto address = ParseAddress(text, &is_v4);
    int prefix = 128;
    if (address && !bits.empty()) {
      int n = -1;
      auto [end, error] =
          std::from_chars(bits.data(), bits.data() + bits.size(), n);
      if (error != std::errc() || end != bits.data() + bits.size() || n < 0 ||
          n > (is_v4 ? 32 : 128)) {
        address.reset();
      } else {
        prefix = is_v4 ? 96 + n : n;
      }
    }
    if (!address) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trusted_proxies: '", entry, "' is not an IP address or CIDR"));
    }
    policy.trusted_.push_back({*address, prefix});
  }
  return policy;
}

std::string OriginPolicy::ClientAddress(const OriginRequest& request) const {
  if (!request.forwarded_for.has_value() || !TrustsProxy(request.peer)) {
    return request.peer;
  }
  const std::vector<std::string_view> hops = Split(*request.forwarded_for, ',');
  const std::string_view last = hops.empty() ? "" : Trim(hops.back());
  bool is_v4 = false;
  if (!ParseAddress(last, &is_v4)) return request.peer;
  return std::string(last);
}

bool OriginPolicy::TrustsProxy(std::string_view peer) const {
  bool is_v4 = false;
  auto address = ParseAddress(peer, &is_v4);
  if (!address) return false;
  for (const Network& net : trusted_) {
    int bits = net.prefix_bits;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
      uint8_t mask =
          bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      if (((*address)[i] & mask) != (net.address[i] & mask)) {
        match = false;
        break;
      }
    }
    if (match) return true;
  }
  return false;
}

std::optional<std::string> OriginPolicy::Check(
    const OriginRequest& request, std::string_view access_url_base) const {
  if (!request.origin.has_value()) return std::nullopt;
  const std::string& origin = *request.origin;
  size_t sep = origin.find("://");
  std::string origin_scheme =
      sep == std::string::npos ? "" : origin.substr(0, sep);
  std::string origin_host;
  if (sep != std::string::npos) {
    std::string_view authority = std::string_view(origin).substr(sep + 3);
    authority = authority.substr(
        0, std::min(authority.size(), authority.find_first_of("/?#")));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority = authority.substr(at + 1);
    }
    origin_host = HostNameOf(authority);
  }
  if (origin_scheme.empty() || origin_host.empty()) {
    return "Origin header not valid.";
  }

  const bool trusted = TrustsProxy(request.peer);
  std::string own_host = HostNameOf(request.host);
  if (trusted && request.forwarded_host.has_value()) {
    own_host = HostNameOf(FirstListItem(*request.forwarded_host));
  }
  bool host_ok = !own_host.empty() && origin_host == own_host;
  if (!host_ok) {
    host_ok = std::find(allowed_origins_.begin(), allowed_origins_.end(),
                        origin_host) != allowed_origins_.end();
  }
  if (!host_ok) return "Origin header does not match this host.";

  std::string scheme = origin_scheme;
  if (trusted && request.forwarded_proto.has_value()) {
    scheme = FirstListItem(*request.forwarded_proto);
  }
  std::string expected = NormalizeScheme(SchemeOf(access_url_base));
  if (expected.empty() || NormalizeScheme(scheme) != expected) {
    return "Origin header protocol does not match this host.";
  }
  return std::nullopt;
}

}  // namespace porthole::controller
