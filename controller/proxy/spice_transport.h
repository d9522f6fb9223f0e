#ifndef PORTHOLE_CONTROLLER_PROXY_SPICE_TRANSPORT_H_
#define PORTHOLE_CONTROLLER_PROXY_SPICE_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/proxy/proxy_options.h"
#include "controller/tokens/token_store.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

// Where the spice-html5 proxy dials one SPICE connection: the console's
// plain port, or its tls port with TLS from the first byte (SPICE has no
// in-band upgrade).
struct SpiceTransport {
  bool tls = false;
  uint32_t port = 0;

  bool operator==(const SpiceTransport&) const = default;
};

// The decision "TLS or plain" for a channel in `mode` (libvirt's
// defaultMode or <channel mode>, as the agent reports them), pure: `record`
// is the token's endpoint (port, tls_port), `options` the proxy's [spice]
// options. A secure channel: TLS on the tls port. An insecure one: the
// plain port. Any other: the plain port, as Nova's proxy, unless there is
// none or require_secure is set; then TLS. FailedPrecondition, with a
// reason for the log, when the channel cannot be reached: TLS needed but no
// tls port or no [spice] tls_ca_certs, a plain port needed but none, or
// require_secure with an insecure-only channel.
absl::StatusOr<SpiceTransport> ChooseSpiceTransport(
    const ConsoleAuthRecord& record, agent::v1::SpiceChannelMode mode,
    const SpiceSecurityOptions& options);

// The decision for every channel of `console` at once, before any byte is
// read: the transport when all its channels (each <channel>, and the
// default mode for the others) get the same one, or the error when all of
// them fail; nullopt when it depends on the channel (a secure main channel
// beside plain ones): then the link message the client sends first says
// which channel a connection is for (SpiceLinkChannelType).
absl::StatusOr<std::optional<SpiceTransport>> ChooseSpiceConsoleTransport(
    const ConsoleAuthRecord& record, const agent::v1::Console& console,
    const SpiceSecurityOptions& options);

// The mode of channel `channel_type` (SPICE's numbering: 1 main, 2 display,
// 3 inputs, ...) on `console`: its <channel>, else the default mode.
agent::v1::SpiceChannelMode SpiceChannelModeFor(
    const agent::v1::Console& console, uint8_t channel_type);

// The bytes of a link message up to and including its channel type: the
// SpiceLinkHeader ("REDQ", u32 major, u32 minor, u32 size), then
// SpiceLinkMess's u32 connection_id and u8 channel_type.
inline constexpr size_t kSpiceLinkChannelTypeEnd = 21;

// The channel type of the link message at the start of `client_bytes`:
// nullopt while fewer than kSpiceLinkChannelTypeEnd bytes are there;
// InvalidArgument when they do not start with SPICE's magic "REDQ".
absl::StatusOr<std::optional<uint8_t>> SpiceLinkChannelType(
    std::string_view client_bytes);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_SPICE_TRANSPORT_H_
