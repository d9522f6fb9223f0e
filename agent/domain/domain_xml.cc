#include "agent/domain/domain_xml.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "agent/domain/domain_document.h"
#include "common/host_port.h"
#include "common/text.h"
#include "common/uuid.h"
#include "pugixml.hpp"

namespace porthole::agent {
namespace {

using v1::Console;
using v1::Domain;
using v1::Protocol;

constexpr std::string_view kNovaNamespace =
    "http://openstack.org/xmlns/libvirt/nova/1.1";

// ---- uuid and name --------------------------------------------------------

absl::StatusOr<std::string> ReadUuid(pugi::xml_node domain) {
  pugi::xml_node uuid = domain.child("uuid");
  if (!uuid) return absl::InvalidArgumentError("domain XML has no <uuid>");
  absl::string_view text = absl::StripAsciiWhitespace(uuid.text().get());
  if (!LooksLikeUuid(ToStd(text))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "domain <uuid> is not a UUID: ", QuotedForError(ToStd(text))));
  }
  return absl::AsciiStrToLower(text);  // libvirt may print it in uppercase
}

absl::StatusOr<std::string> ReadName(pugi::xml_node domain) {
  std::string name = domain.child("name").text().get();
  if (name.empty())
    return absl::InvalidArgumentError("domain XML has no <name>");
  return name;
}

// ---- Nova metadata --------------------------------------------------------

std::string_view LocalName(pugi::xml_node element) {
  std::string_view name = element.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// pugixml does not know XML namespaces: it keeps "prefix:local" as the name.
// Resolve the prefix (or the default namespace) through the xmlns
// declarations on the element and its ancestors.
std::string_view NamespaceUri(pugi::xml_node element) {
  std::string_view name = element.name();
  const size_t colon = name.find(':');
  const std::string declaration =
      colon == std::string_view::npos
          ? std::string("xmlns")
          : absl::StrCat("xmlns:", ToAbsl(name.substr(0, colon)));
  for (pugi::xml_node node = element; node; node = node.parent()) {
    if (pugi::xml_attribute uri = node.attribute(declaration.c_str())) {
      return uri.value();
    }
  }
  return {};
}

pugi::xml_node NovaChild(pugi::xml_node parent, std::string_view local_name) {
  for (pugi::xml_node child = FirstChildElement(parent); child;
       child = NextSiblingElement(child)) {
    if (LocalName(child) == local_name &&
        NamespaceUri(child) == kNovaNamespace) {
      return child;
    }
  }
  return {};
}

void ReadNovaMetadata(pugi::xml_node domain, Domain& out) {
  pugi::xml_node instance = NovaChild(domain.child("metadata"), "instance");
  if (!instance) return;
  out.set_display_name(NovaChild(instance, "name").text().get());
  pugi::xml_node owner = NovaChild(instance, "owner");
  out.set_user_id(NovaChild(owner, "user").attribute("uuid").value());
  out.set_project_id(NovaChild(owner, "project").attribute("uuid").value());
}

// ---- Consoles -------------------------------------------------------------

// The host a proxy dials for a listen address. A wildcard listen (or none)
// is reachable on every address of the host, and Nova dials its
// server_proxyclient_address for it; so do we.
std::string DialHost(std::string_view address,
                     const DomainXmlOptions& options) {
  if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  if (address.empty() || IsWildcardAddress(address)) {
    return options.proxyclient_address;
  }
  return std::string(address);
}

// `graphics/@listen` mirrors the first <listen>'s address; without it, take
// the first address- or network-type <listen> that has an address.
std::string_view GraphicsListenAddress(pugi::xml_node graphics) {
  std::string_view listen = graphics.attribute("listen").value();
  if (!listen.empty()) return listen;
  for (pugi::xml_node child : graphics.children("listen")) {
    std::string_view type = child.attribute("type").value();
    std::string_view address = child.attribute("address").value();
    if ((type == "address" || type == "network") && !address.empty()) {
      return address;
    }
  }
  return {};
}

// A graphics port attribute; 0 means no listener. libvirt writes port='-1'
// for an autoport display whose port is not allocated (a shut-off domain, or
// any domain of the test driver), and websocket='-1' for "pick one".
absl::StatusOr<uint32_t> ReadGraphicsPort(pugi::xml_node graphics,
                                          const char* attribute) {
  std::string_view text = graphics.attribute(attribute).value();
  if (text.empty() || text == "-1" || text == "0") return 0;
  absl::StatusOr<uint16_t> port = ParsePort(text);
  if (!port.ok() || *port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "graphics type ", QuotedForError(graphics.attribute("type").value()),
        " ", attribute, "=", QuotedForError(text), " is not a port"));
  }
  return *port;
}

std::string_view GraphicsSocketPath(pugi::xml_node graphics,
                                    pugi::xml_node first_listen) {
  if (std::string_view(first_listen.attribute("type").value()) == "socket") {
    std::string_view path = first_listen.attribute("socket").value();
    if (!path.empty()) return path;
  }
  if (std::string_view(graphics.attribute("type").value()) == "vnc") {
    return graphics.attribute("socket").value();
  }
  return {};
}

v1::SpiceChannelMode SpiceChannelModeOf(std::string_view mode) {
  if (mode == "secure") return v1::SPICE_CHANNEL_MODE_SECURE;
  if (mode == "insecure") return v1::SPICE_CHANNEL_MODE_INSECURE;
  return v1::SPICE_CHANNEL_MODE_ANY;  // "any", or absent
}

// libvirt's defaultMode and <channel name mode>: QEMU's tls-channel= and
// plaintext-channel=, which decide the port each channel may use.
void ReadSpiceChannelModes(pugi::xml_node graphics, Console* console) {
  console->set_spice_default_mode(
      SpiceChannelModeOf(graphics.attribute("defaultMode").value()));
  for (pugi::xml_node channel : graphics.children("channel")) {
    const std::string_view name = channel.attribute("name").value();
    if (name.empty()) continue;
    v1::SpiceChannel* out = console->add_spice_channels();
    out->set_name(std::string(name));
    out->set_mode(SpiceChannelModeOf(channel.attribute("mode").value()));
  }
}

// The console of one <graphics> element, or nullopt when it has none that a
// proxy could reach.
absl::StatusOr<std::optional<Console>> ReadGraphicsConsole(
    pugi::xml_node graphics, Protocol protocol,
    const DomainXmlOptions& options) {
  pugi::xml_node first_listen = graphics.child("listen");
  // type='none': reachable only through virDomainOpenGraphicsFD.
  if (std::string_view(first_listen.attribute("type").value()) == "none") {
    return std::nullopt;
  }
  Console console;
  console.set_protocol(protocol);
  absl::StatusOr<uint32_t> port = ReadGraphicsPort(graphics, "port");
  if (!port.ok()) return port.status();
  console.set_port(*port);
  if (protocol == v1::PROTOCOL_SPICE) {
    absl::StatusOr<uint32_t> tls_port = ReadGraphicsPort(graphics, "tlsPort");
    if (!tls_port.ok()) return tls_port.status();
    console.set_tls_port(*tls_port);
    ReadSpiceChannelModes(graphics, &console);
  }
  if (protocol == v1::PROTOCOL_VNC) {
    absl::StatusOr<uint32_t> websocket =
        ReadGraphicsPort(graphics, "websocket");
    if (!websocket.ok()) return websocket.status();
    console.set_websocket_port(*websocket);
  }
  console.set_socket_path(
      std::string(GraphicsSocketPath(graphics, first_listen)));
  // Like virsh domdisplay: nothing to dial without a port or a socket.
  if (console.port() == 0 && console.tls_port() == 0 &&
      console.socket_path().empty()) {
    return std::nullopt;
  }
  if (console.port() != 0 || console.tls_port() != 0 ||
      console.websocket_port() != 0) {
    console.set_host(DialHost(GraphicsListenAddress(graphics), options));
  }
  return console;
}

// Only the first <graphics> of each type counts, as for Nova and virsh.
pugi::xml_node FirstGraphicsOfType(pugi::xml_node devices,
                                   std::string_view type) {
  for (pugi::xml_node graphics : devices.children("graphics")) {
    if (std::string_view(graphics.attribute("type").value()) == type) {
      return graphics;
    }
  }
  return {};
}

// The first <source mode='bind'> of a TCP <serial> or <console>. With
// mode='connect' QEMU dials out, so nothing listens on the host.
pugi::xml_node FirstBoundTcpSource(pugi::xml_node devices, const char* device) {
  for (pugi::xml_node character : devices.children(device)) {
    if (std::string_view(character.attribute("type").value()) != "tcp") {
      continue;
    }
    for (pugi::xml_node source : character.children("source")) {
      if (std::string_view(source.attribute("mode").value()) == "bind") {
        return source;
      }
    }
  }
  return {};
}

// As Nova's serial console: the first bound TCP <serial>, else (s390x
// guests have no <serial>) the first bound TCP <console>.
absl::StatusOr<std::optional<Console>> ReadSerialConsole(
    pugi::xml_node devices, const DomainXmlOptions& options) {
  pugi::xml_node source = FirstBoundTcpSource(devices, "serial");
  if (!source) source = FirstBoundTcpSource(devices, "console");
  if (!source) return std::nullopt;
  std::string_view service = source.attribute("service").value();
  absl::StatusOr<uint16_t> port = ParsePort(service);
  if (!port.ok() || *port == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "serial source service=", QuotedForError(service), " is not a port"));
  }
  Console console;
  console.set_protocol(v1::PROTOCOL_SERIAL);
  console.set_host(DialHost(source.attribute("host").value(), options));
  console.set_port(*port);
  return console;
}

absl::Status ReadConsoles(pugi::xml_node domain,
                          const DomainXmlOptions& options, Domain& out) {
  pugi::xml_node devices = domain.child("devices");
  static constexpr std::pair<const char*, Protocol> kGraphicsTypes[] = {
      {"vnc", v1::PROTOCOL_VNC},
      {"spice", v1::PROTOCOL_SPICE},
      {"rdp", v1::PROTOCOL_RDP},
  };
  for (const auto& [type, protocol] : kGraphicsTypes) {
    pugi::xml_node graphics = FirstGraphicsOfType(devices, type);
    if (!graphics) continue;
    absl::StatusOr<std::optional<Console>> console =
        ReadGraphicsConsole(graphics, protocol, options);
    if (!console.ok()) return console.status();
    if (console->has_value()) *out.add_consoles() = std::move(**console);
  }
  absl::StatusOr<std::optional<Console>> serial =
      ReadSerialConsole(devices, options);
  if (!serial.ok()) return serial.status();
  if (serial->has_value()) *out.add_consoles() = std::move(**serial);
  return absl::OkStatus();
}

// The input is valid UTF-8, but pugixml decodes character references such as
// &#xD800; into bytes that are not; proto3 strings must be UTF-8.
absl::Status CheckStringsAreUtf8(const Domain& domain) {
  bool valid =
      IsValidUtf8(domain.name()) && IsValidUtf8(domain.display_name()) &&
      IsValidUtf8(domain.user_id()) && IsValidUtf8(domain.project_id());
  for (const Console& console : domain.consoles()) {
    valid = valid && IsValidUtf8(console.host()) &&
            IsValidUtf8(console.socket_path());
  }
  if (!valid) {
    return absl::InvalidArgumentError(
        "domain XML has a character reference that is not UTF-8");
  }
  return absl::OkStatus();
}

absl::StatusOr<Domain> ReadDomain(pugi::xml_node domain,
                                  const DomainXmlOptions& options) {
  Domain out;
  absl::StatusOr<std::string> uuid = ReadUuid(domain);
  if (!uuid.ok()) return uuid.status();
  out.set_uuid(*std::move(uuid));
  absl::StatusOr<std::string> name = ReadName(domain);
  if (!name.ok()) return name.status();
  out.set_name(*std::move(name));
  ReadNovaMetadata(domain, out);
  if (absl::Status status = ReadConsoles(domain, options, out); !status.ok()) {
    return status;
  }
  if (absl::Status status = CheckStringsAreUtf8(out); !status.ok()) {
    return status;
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::Domain> ParseDomainXml(std::string_view xml,
                                          const DomainXmlOptions& options) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> domain =
      LoadDomainDocument(xml, options.max_bytes, options.max_depth, doc);
  if (!domain.ok()) return domain.status();
  return ReadDomain(*domain, options);
}

}  // namespace porthole::agent
