// Internal to controller/proxy: the time limit of a handshake with a
// console or a browser (the RFB security handshake, TLS to a console, a
// SPICE link message), as coroutines wait on sockets.
#ifndef PORTHOLE_CONTROLLER_PROXY_HANDSHAKE_DEADLINE_H_
#define PORTHOLE_CONTROLLER_PROXY_HANDSHAKE_DEADLINE_H_

#include <memory>

#include "absl/time/time.h"
#include "controller/proxy/proxy_runtime.h"

namespace porthole::controller::proxy_internal {

// When the time passes, the socket a read or write waits on (`waiting`,
// set before each wait) is closed, so that operation fails and `expired`
// names the side that was late. Shared with the timer's handler, which may
// run after the coroutine moved on: set `done` (Finish) before the socket
// can go away; the timer's destruction cancels the wait.
struct HandshakeDeadline {
  bool done = false;
  bool expired = false;
  tcp::socket* waiting = nullptr;

  void Finish() {
    done = true;
    waiting = nullptr;
  }
};

// Starts `timer` for `timeout` and returns the deadline it enforces.
inline std::shared_ptr<HandshakeDeadline> ArmHandshakeDeadline(
    asio::steady_timer& timer, absl::Duration timeout,
    tcp::socket* waiting = nullptr) {
  auto deadline = std::make_shared<HandshakeDeadline>();
  deadline->waiting = waiting;
  timer.expires_after(ToChrono(timeout));
  timer.async_wait([deadline](beast::error_code ec) {
    if (ec || deadline->done) return;
    deadline->expired = true;
    if (deadline->waiting != nullptr) {
      beast::error_code ignored;
      deadline->waiting->close(ignored);
    }
  });
  return deadline;
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_HANDSHAKE_DEADLINE_H_
