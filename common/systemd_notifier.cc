#include "common/systemd_notifier.h"

#include <systemd/sd-daemon.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace porthole {

void SystemdNotifier::Send(std::string_view state) const {
  std::string text(state);
  sd_notify(0, text.c_str());
}

void SystemdNotifier::Ready(std::string_view status) const {
  if (status.empty()) {
    Send("READY=1");
  } else {
    Send(absl::StrCat("READY=1\nSTATUS=", std::string(status)));
  }
}

void SystemdNotifier::Reloading() const { Send("RELOADING=1"); }
void SystemdNotifier::Stopping() const { Send("STOPPING=1"); }
void SystemdNotifier::Watchdog() const { Send("WATCHDOG=1"); }

std::optional<absl::Duration> SystemdNotifier::WatchdogInterval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return absl::Microseconds(usec) / 2;
}

}  // namespace porthole
