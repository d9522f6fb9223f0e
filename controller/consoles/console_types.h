#ifndef PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_TYPES_H_
#define PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_TYPES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

inline constexpr char kDefaultNoVncProxyBaseUrl[] =
    "http://127.0.0.1:6080/vnc_lite.html";
inline constexpr char kDefaultSpiceHtml5ProxyBaseUrl[] =
    "http://127.0.0.1:6082/spice_auto.html";
inline constexpr char kDefaultSpiceDirectProxyBaseUrl[] =
    "http://127.0.0.1:13002/nova";
inline constexpr char kDefaultSerialConsoleBaseUrl[] = "ws://127.0.0.1:6083/";
inline constexpr char kDefaultXvpVncProxyBaseUrl[] =
    "http://127.0.0.1:6081/console";
inline constexpr int64_t kDefaultTokenTtlSeconds = 600;

// The console options, named after Nova's (section and key in comments).
struct ConsoleOptions {
  bool vnc_enabled = true;     // [vnc] enabled
  bool spice_enabled = true;   // [spice] enabled
  bool serial_enabled = true;  // [serial_console] enabled
  std::string novncproxy_base_url = kDefaultNoVncProxyBaseUrl;       // [vnc]
  std::string html5proxy_base_url = kDefaultSpiceHtml5ProxyBaseUrl;  // [spice]
  std::string spice_direct_proxy_base_url =
      kDefaultSpiceDirectProxyBaseUrl;  // [spice]
  std::string serial_base_url =
      kDefaultSerialConsoleBaseUrl;  // [serial_console] base_url
  // Porthole's native listener is configured ([native] listen): xvpvnc
  // gives a one-time credential for native VNC viewers instead of Nova's
  // "Invalid console type xvpvnc".
  bool xvpvnc_enabled = false;
  std::string xvpvncproxy_base_url =
      kDefaultXvpVncProxyBaseUrl;  // [vnc], Nova's until Ussuri
  int64_t token_ttl_seconds =
      kDefaultTokenTtlSeconds;  // [consoleauth] token_ttl
};

// A console the API may hand out: the agent protocol to ask for and the type
// string as the client sent it (it becomes the token's console_type and
// picks the proxy base URL).
struct ConsoleKind {
  agent::v1::Protocol protocol = agent::v1::PROTOCOL_UNSPECIFIED;
  std::string type;  // novnc | xvpvnc | spice-html5 | spice-direct | serial
};

// This file is the one place that knows Nova's console type table. The
// microversion is always 2.<minor>.

// The `protocol` and `type` enums of the remote-consoles request schema
// (`mks`/`webmks` from 2.8, `spice-direct` from 2.99), in Nova's order.
std::vector<std::string> RemoteConsoleProtocolEnum(int minor);
std::vector<std::string> RemoteConsoleTypeEnum(int minor);

// A legacy server action (microversion 2.1 - 2.5): its body is
// {"<name>": {"type": <one of type_enum>}}. os-getRDPConsole has an empty
// schema (type_enum empty, `has_schema` false) and always fails.
struct LegacyConsoleAction {
  std::string_view name;      // os-getVNCConsole, ...
  std::string_view protocol;  // vnc, spice, serial, rdp
  std::vector<std::string> type_enum;
  bool has_schema = true;
};
// nullptr when `name` is not a console action.
const LegacyConsoleAction* FindLegacyConsoleAction(std::string_view name);

// The protocol x type matrix of Nova's compute manager, with Porthole's
// choices: INVALID_ARGUMENT with Nova's exact message when the pair cannot
// give a console ("Invalid console type <t>", "Unavailable console type
// <t>.", rdp -> "Unavailable console type rdp-html5.", mks -> "...webmks.").
// `protocol` and `type` are assumed to have passed the schema.
absl::StatusOr<ConsoleKind> ResolveConsole(std::string_view protocol,
                                           std::string_view type,
                                           const ConsoleOptions& options);

// "vnc", "spice", "serial", "rdp": the word of Nova's driver-level message
// `Unavailable console type <word>.` when a domain lacks the device.
std::string_view ProtocolWord(agent::v1::Protocol protocol);

// The configured proxy base URL for a console type (the token's
// access_url_base).
const std::string& AccessUrlBase(std::string_view console_type,
                                 const ConsoleOptions& options);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_TYPES_H_
