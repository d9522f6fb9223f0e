#ifndef PORTHOLE_CONTROLLER_PROXY_PORTHOLE_VNC_PAGE_H_
#define PORTHOLE_CONTROLLER_PROXY_PORTHOLE_VNC_PAGE_H_

#include <optional>
#include <string_view>

namespace porthole::controller {

// Where the noVNC listener serves Porthole's own console page, beside
// Debian's noVNC files (never one of theirs, which Porthole does not patch).
inline constexpr std::string_view kPortholeVncPagePath = "/porthole_vnc.html";

// Porthole's console page: vnc_lite.html's behaviour (the same query: `path`
// holding `?token=`, `host`, `port`, `scale`, `view_only`) on Debian's
// noVNC core (`./core/rfb.js`), plus the one thing noVNC leaves out: when
// the proxy ends a session with a close code in 4000-4999, #status shows
// the close frame's reason and code ("Disconnected: ended by administrator
// (4001)"). noVNC reports a server's close only as clean or not, so the page
// wraps the browser's WebSocket to keep the last close event. The page, in
// the binary; nullopt when `target`'s path is not kPortholeVncPagePath.
std::optional<std::string_view> PortholeVncPageFor(std::string_view target);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_PORTHOLE_VNC_PAGE_H_
