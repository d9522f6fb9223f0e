#ifndef PORTHOLE_CONTROLLER_SESSIONS_SESSION_END_H_
#define PORTHOLE_CONTROLLER_SESSIONS_SESSION_END_H_

#include <cstdint>
#include <string_view>

namespace porthole::controller {

// Why a console session ended: the one table of end reasons, their audit
// names and, for the ends the proxy initiates, the WebSocket close code and
// short reason the browser gets (4000-4999 is RFC 6455's private range, so
// noVNC and spice-html5 show the reason as sent). Pure.
enum class SessionEnd {
  kClientClosed,   // the browser closed (its own code is echoed)
  kClientFailed,   // the browser's connection failed
  kBackendClosed,  // the console (QEMU) closed its socket
  kEndedByAdmin,   // DELETE .../console-sessions
  kTokenRevoked,   // its server stopped, moved or was deleted
  kTokenExpired,   // [consoleauth] enforce_session_timeout
  kIdle,           // [console] idle_timeout
  kProxyDraining,  // the controller stops
  kMaxDuration,    // [console] max_session_duration
  kAccessRevoked,  // Keystone revoked the access that issued the URL
};

// A close frame's code and reason.
struct SessionCloseFrame {
  uint16_t code;
  std::string_view reason;
};

// The close frame the proxy sends for `end` (a client-initiated end gets
// Beast's echo instead; kClientClosed/kClientFailed answer 1000).
SessionCloseFrame CloseFrameFor(SessionEnd end);

// The name of `end` in audit records and log lines ("ended-by-admin").
std::string_view SessionEndName(SessionEnd end);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_SESSION_END_H_
