#include "controller/consoles/console_types.h"

#include <array>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

using agent::v1::Protocol;

constexpr int kMksMinor = 8;           // mks / webmks appear
constexpr int kSpiceDirectMinor = 99;  // spice-direct appears

absl::Status Invalid(std::string_view type) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid console type ", std::string(type)));
}

absl::Status Unavailable(std::string_view type) {
  return absl::InvalidArgumentError(
      absl::StrCat("Unavailable console type ", std::string(type), "."));
}

ConsoleKind Kind(Protocol protocol, std::string_view type) {
  ConsoleKind kind;
  kind.protocol = protocol;
  kind.type = std::string(type);
  return kind;
}

}  // namespace

std::vector<std::string> RemoteConsoleProtocolEnum(int minor) {
  std::vector<std::string> protocols = {"vnc", "spice", "serial", "rdp"};
  if (minor >= kMksMinor) protocols.emplace_back("mks");
  return protocols;
}

std::vector<std::string> RemoteConsoleTypeEnum(int minor) {
  std::vector<std::string> types = {"novnc", "xvpvnc", "spice-html5", "serial",
                                    "rdp-html5"};
  if (minor >= kMksMinor) types.emplace_back("webmks");
  if (minor >= kSpiceDirectMinor) types.emplace_back("spice-direct");
  return types;
}

const LegacyConsoleAction* FindLegacyConsoleAction(std::string_view name) {
  static const auto* const kActions = new std::array<LegacyConsoleAction, 4>{{
      {"os-getVNCConsole", "vnc", {"novnc", "xvpvnc"}, true},
      {"os-getSPICEConsole", "spice", {"spice-html5"}, true},
      {"os-getSerialConsole", "serial", {"serial"}, true},
      {"os-getRDPConsole", "rdp", {}, false},
  }};
  for (const LegacyConsoleAction& action : *kActions) {
    if (action.name == name) return &action;
  }
  return nullptr;
}

absl::StatusOr<ConsoleKind> ResolveConsole(std::string_view protocol,
                                           std::string_view type,
                                           const ConsoleOptions& options) {
  // Nova's manager checks `[<protocol>] enabled` first, then the type.
  if (protocol == "vnc") {
    if (!options.vnc_enabled) return Unavailable(type);
    if (type == "novnc") return Kind(agent::v1::PROTOCOL_VNC, type);
    // Removed from Nova in Ussuri; Porthole's native listener brings it
    // back when configured.
    if (type == "xvpvnc" && options.xvpvnc_enabled) {
      return Kind(agent::v1::PROTOCOL_VNC, type);
    }
    return Invalid(type);
  }
  if (protocol == "spice") {
    if (!options.spice_enabled) return Unavailable(type);
    if (type == "spice-html5" || type == "spice-direct") {
      return Kind(agent::v1::PROTOCOL_SPICE, type);
    }
    return Invalid(type);
  }
  if (protocol == "serial") {
    if (!options.serial_enabled) return Unavailable(type);
    // Nova does not check the type here and issues a serial token for any
    // string; Porthole's choice 2 rejects it.
    if (type == "serial") return Kind(agent::v1::PROTOCOL_SERIAL, type);
    return Invalid(type);
  }
  if (protocol == "rdp") {
    // Removed with Hyper-V in 29.0.0; Porthole's choice 3 names the type.
    return Unavailable("rdp-html5");
  }
  if (protocol == "mks") {
    // VMware only: never enabled on libvirt.
    return Unavailable("webmks");
  }
  return Invalid(type);
}

std::string_view ProtocolWord(agent::v1::Protocol protocol) {
  switch (protocol) {
    case agent::v1::PROTOCOL_VNC:
      return "vnc";
    case agent::v1::PROTOCOL_SPICE:
      return "spice";
    case agent::v1::PROTOCOL_SERIAL:
      return "serial";
    case agent::v1::PROTOCOL_RDP:
      return "rdp";
    default:
      return "unknown";
  }
}

const std::string& AccessUrlBase(std::string_view console_type,
                                 const ConsoleOptions& options) {
  if (console_type == "novnc") return options.novncproxy_base_url;
  if (console_type == "xvpvnc") return options.xvpvncproxy_base_url;
  if (console_type == "spice-html5") return options.html5proxy_base_url;
  if (console_type == "spice-direct") {
    return options.spice_direct_proxy_base_url;
  }
  return options.serial_base_url;
}

}  // namespace porthole::controller
