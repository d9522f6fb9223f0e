#ifndef PORTHOLE_COMMON_SYSTEMD_NOTIFIER_H_
#define PORTHOLE_COMMON_SYSTEMD_NOTIFIER_H_

#include <optional>
#include <string_view>

#include "absl/time/time.h"

namespace porthole {

// Tells systemd (Type=notify units) where the daemon is in its life:
// READY=1, RELOADING=1, STOPPING=1 and WATCHDOG=1 keepalives. Without
// NOTIFY_SOCKET in the environment every call does nothing, so daemons call
// it unconditionally. Thread-safe.
class SystemdNotifier {
 public:
  void Ready(std::string_view status = "") const;
  void Reloading() const;
  void Stopping() const;
  void Watchdog() const;
  // How often to call Watchdog(): half of WATCHDOG_USEC, or nothing when
  // systemd does not watch this process.
  std::optional<absl::Duration> WatchdogInterval() const;

 private:
  void Send(std::string_view state) const;
};

}  // namespace porthole

#endif  // PORTHOLE_COMMON_SYSTEMD_NOTIFIER_H_
