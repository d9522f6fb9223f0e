#ifndef PORTHOLE_COMMON_HOST_PORT_H_
#define PORTHOLE_COMMON_HOST_PORT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace porthole {

// A listen or dial address. `host` is bare (IPv6 without brackets).
struct HostPort {
  std::string host;
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 host.
  std::string ToString() const;
};

// Parses "host:port", "[v6addr]:port" or, when `default_port` is non-zero,
// a bare "host" or "[v6addr]". Port 0 is allowed (an ephemeral port).
absl::StatusOr<HostPort> ParseHostPort(std::string_view text,
                                       uint16_t default_port = 0);

// Parses a decimal TCP port, 0..65535.
absl::StatusOr<uint16_t> ParsePort(std::string_view text);

// True for 0.0.0.0, ::, and other spellings of the unspecified address.
bool IsWildcardAddress(std::string_view host);

// This machine's host name (gethostname), or "controller" when it has none:
// a replica's default name.
std::string LocalHostName();

// Brackets an IPv6 literal for use in a URL or "host:port".
std::string BracketIfIpv6(std::string_view host);

}  // namespace porthole

#endif  // PORTHOLE_COMMON_HOST_PORT_H_
