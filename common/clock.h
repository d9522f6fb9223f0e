#ifndef PORTHOLE_COMMON_CLOCK_H_
#define PORTHOLE_COMMON_CLOCK_H_

#include <cstdint>
#include <functional>

namespace porthole {

// The wall clock as Porthole's pure cores see it: unix seconds, injected so
// that tests decide what time it is (token expiry, rate limits, caches).
// Durations between events use std::chrono::steady_clock, never this.
using UnixClock = std::function<int64_t()>;

// The real one: time(nullptr).
int64_t SystemUnixSeconds();

}  // namespace porthole

#endif  // PORTHOLE_COMMON_CLOCK_H_
