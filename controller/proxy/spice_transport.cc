#include "controller/proxy/spice_transport.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;

// libvirt's channel names and SPICE's channel types (spice-protocol's
// SpiceChannelType); the names libvirt's schema allows.
std::optional<uint8_t> ChannelTypeOf(std::string_view name) {
  struct Entry {
    std::string_view name;
    uint8_t type;
  };
  static constexpr Entry kChannels[] = {
      {"main", 1},     {"display", 2}, {"inputs", 3},    {"cursor", 4},
      {"playback", 5}, {"record", 6},  {"smartcard", 8}, {"usbredir", 9},
  };
  for (const Entry& e : kChannels) {
    if (e.name == name) return e.type;
  }
  return std::nullopt;
}

absl::Status Unreachable(const std::string& why) {
  return absl::FailedPreconditionError(why);
}

}  // namespace

absl::StatusOr<SpiceTransport> ChooseSpiceTransport(
    const ConsoleAuthRecord& record, v1::SpiceChannelMode mode,
    const SpiceSecurityOptions& options) {
  const uint32_t tls_port = record.tls_port.value_or(0);
  const bool plain = mode == v1::SPICE_CHANNEL_MODE_INSECURE ||
                     (mode != v1::SPICE_CHANNEL_MODE_SECURE &&
                      record.port != 0 && !options.require_secure);
  if (plain) {
    if (record.port == 0) {
      return Unreachable(
          "an insecure channel and the console has no plain port");
    }
    if (options.require_secure) {
      return Unreachable(
          "[spice] require_secure is set and the channel is insecure only "
          "(mode='insecure')");
    }
    return SpiceTransport{false, record.port};
  }
  if (tls_port == 0) {
    if (record.port == 0) return Unreachable("the console has no port");
    return Unreachable(
        mode == v1::SPICE_CHANNEL_MODE_SECURE
            ? "a secure channel and the console has no TLS port"
            : "[spice] require_secure is set and the console has no TLS port");
  }
  if (!options.tls()) {
    return Unreachable(
        absl::StrCat(record.port == 0 ? "the console listens on a TLS port only"
                                      : "a secure channel (mode='secure')",
                     " and [spice] tls_ca_certs is not set"));
  }
  return SpiceTransport{true, tls_port};
}

v1::SpiceChannelMode SpiceChannelModeFor(const v1::Console& console,
                                         uint8_t channel_type) {
  for (const v1::SpiceChannel& channel : console.spice_channels()) {
    if (ChannelTypeOf(channel.name()) == channel_type) return channel.mode();
  }
  return console.spice_default_mode();
}

absl::StatusOr<std::optional<SpiceTransport>> ChooseSpiceConsoleTransport(
    const ConsoleAuthRecord& record, const v1::Console& console,
    const SpiceSecurityOptions& options) {
  // The default mode covers the channels without a <channel> (there are
  // always some: libvirt names at most eight of SPICE's channel types).
  absl::StatusOr<SpiceTransport> first =
      ChooseSpiceTransport(record, console.spice_default_mode(), options);
  for (const v1::SpiceChannel& channel : console.spice_channels()) {
    absl::StatusOr<SpiceTransport> other =
        ChooseSpiceTransport(record, channel.mode(), options);
    if (first.ok() != other.ok() || (first.ok() && *first != *other)) {
      return std::optional<SpiceTransport>();
    }
  }
  if (!first.ok()) return first.status();
  return std::optional<SpiceTransport>(*first);
}

absl::StatusOr<std::optional<uint8_t>> SpiceLinkChannelType(
    std::string_view client_bytes) {
  // Checked on what has arrived, so a client that is not SPICE fails early.
  const size_t n = std::min<size_t>(4, client_bytes.size());
  if (client_bytes.substr(0, n) != std::string_view("REDQ", n)) {
    return absl::InvalidArgumentError("not a SPICE link message");
  }
  if (client_bytes.size() < kSpiceLinkChannelTypeEnd) return std::nullopt;
  return static_cast<uint8_t>(client_bytes[kSpiceLinkChannelTypeEnd - 1]);
}

}  // namespace porthole::controller
