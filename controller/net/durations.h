// The one conversion from the configuration's absl::Duration to the
// std::chrono duration that Asio timers and Beast stream deadlines take.
#ifndef PORTHOLE_CONTROLLER_NET_DURATIONS_H_
#define PORTHOLE_CONTROLLER_NET_DURATIONS_H_

#include <chrono>

#include "absl/time/time.h"

namespace porthole::controller::net {

using SteadyClock = std::chrono::steady_clock;

// Microsecond precision is what the options can express; an infinite
// duration saturates (a timer that never fires) instead of overflowing.
inline SteadyClock::duration ToChrono(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return SteadyClock::duration::max();
  if (d <= absl::ZeroDuration()) return SteadyClock::duration::zero();
  return std::chrono::duration_cast<SteadyClock::duration>(
      absl::ToChronoMicroseconds(d));
}

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_DURATIONS_H_
