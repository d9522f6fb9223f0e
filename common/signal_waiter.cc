#include "common/signal_waiter.h"

#include <signal.h>

#include <cerrno>

namespace porthole {
namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

SignalWaiter::SignalWaiter() {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

std::optional<int> SignalWaiter::Wait(absl::Duration timeout) {
  sigset_t set = HandledSignals();
  timespec ts = absl::ToTimespec(timeout);
  for (;;) {
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) return sig;
    if (errno == EINTR) continue;
    return std::nullopt;  // EAGAIN: timed out
  }
}

}  // namespace porthole
