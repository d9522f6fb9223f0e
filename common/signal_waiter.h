#ifndef PORTHOLE_COMMON_SIGNAL_WAITER_H_
#define PORTHOLE_COMMON_SIGNAL_WAITER_H_

#include <optional>

#include "absl/time/time.h"

namespace porthole {

// Synchronous handling of SIGTERM, SIGINT and SIGHUP for a daemon's main
// thread. Construct it first thing in main(), before any thread starts: it
// blocks those signals so that every later thread inherits the mask, and
// Wait() receives them with sigtimedwait. No async signal handlers, so no
// async-signal-safety traps. SIGPIPE is ignored (sockets report EPIPE).
class SignalWaiter {
 public:
  SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // The next of the three signals, or nullopt when `timeout` passes first.
  std::optional<int> Wait(absl::Duration timeout);
};

}  // namespace porthole

#endif  // PORTHOLE_COMMON_SIGNAL_WAITER_H_
