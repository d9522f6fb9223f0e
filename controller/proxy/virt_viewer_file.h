// The connection file remote-viewer opens (virt-viewer's `.vv`, served as
// application/x-virt-viewer at a spice-direct URL): a [virt-viewer] group
// that points the viewer at Porthole's native listener over TLS, with the
// one-time credential as the SPICE password. Pure.
#ifndef PORTHOLE_CONTROLLER_PROXY_VIRT_VIEWER_FILE_H_
#define PORTHOLE_CONTROLLER_PROXY_VIRT_VIEWER_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "common/host_port.h"

namespace porthole::controller {

inline constexpr char kVirtViewerContentType[] = "application/x-virt-viewer";

struct VirtViewerConsole {
  HostPort listener;     // where remote-viewer connects (TLS from byte 0)
  std::string password;  // the credential
  std::string ca_pem;    // trusted for the listener's certificate; "": none
  std::string title;     // the window's title
};

// The file's text. The CA's lines are joined with a literal "\n", as
// virt-viewer's key file wants; every value is single-line.
std::string RenderVirtViewerFile(const VirtViewerConsole& console);

// Where the client reached this listener, from its Host header: the name
// or address and the port (443 when absent). nullopt for anything but a
// DNS name, an IPv4 address or a bracketed IPv6 address with an optional
// port, so nothing else can reach the file.
std::optional<HostPort> ListenerFromHostHeader(std::string_view host);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_VIRT_VIEWER_FILE_H_
