#ifndef PORTHOLE_CONTROLLER_PROXY_ORIGIN_POLICY_H_
#define PORTHOLE_CONTROLLER_PROXY_ORIGIN_POLICY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace porthole::controller {

// The headers of an upgrade request that the Origin check reads.
struct OriginRequest {
  std::optional<std::string> origin;           // absent: not a browser, allowed
  std::string host;                            // the Host header
  std::optional<std::string> forwarded_host;   // X-Forwarded-Host
  std::optional<std::string> forwarded_proto;  // X-Forwarded-Proto
  std::optional<std::string> forwarded_for;    // X-Forwarded-For
  std::string peer;  // the TCP peer's address, e.g. "127.0.0.1"
};

// Nova's Origin rule (spec 4.2 point 3) without its quirks: a browser's
// Origin host must be the request's own host or one of allowed_origins, and
// its scheme must match the scheme of the token's base URL (ws~http,
// wss~https). Behind a reverse proxy listed in trusted_proxies, the host is
// X-Forwarded-Host and the scheme X-Forwarded-Proto when present; from any
// other peer those headers are ignored (anyone can send them). Immutable
// after Create, so thread-safe; the allowed list never grows (Nova bug
// 2158919).
class OriginPolicy {
 public:
  // `trusted_proxies`: IPv4/IPv6 addresses or CIDRs ("10.0.0.0/8").
  static absl::StatusOr<OriginPolicy> Create(
      std::vector<std::string> allowed_origins,
      const std::vector<std::string>& trusted_proxies);

  // nullopt when allowed; otherwise Nova's text: "Origin header not
  // valid.", "Origin header does not match this host." or "Origin header
  // protocol does not match this host."
  std::optional<std::string> Check(const OriginRequest& request,
                                   std::string_view access_url_base) const;

  bool TrustsProxy(std::string_view peer) const;

  // The browser's address as the session registry and the audit show it:
  // behind a trusted proxy, the last hop of X-Forwarded-For (the address
  // that proxy saw; earlier hops are the client's word), else the peer.
  std::string ClientAddress(const OriginRequest& request) const;

 private:
  struct Network {
    std::array<uint8_t, 16> address{};  // IPv4 as ::ffff:a.b.c.d
    int prefix_bits = 128;
  };

  std::vector<std::string> allowed_origins_;  // lowercase host names
  std::vector<Network> trusted_;
};

// The lowercase host name of a Host-header-like "host[:port]" or
// "[v6]:port" (brackets removed); "" when empty or malformed.
std::string HostNameOf(std::string_view host_and_port);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_ORIGIN_POLICY_H_
