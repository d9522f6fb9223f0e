#ifndef PORTHOLE_COMMON_RATE_LIMITER_H_
#define PORTHOLE_COMMON_RATE_LIMITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace porthole {

// How many requests a key may make: `per_minute` on average, up to `burst`
// at once. per_minute 0 means no limit.
struct RateLimit {
  int per_minute = 0;
  int burst = 0;
};

// A token bucket per key (the API keys it by user id). A key starts with a
// full bucket of `burst` tokens; each allowed request takes one, and tokens
// come back at `per_minute` a minute, never more than `burst`. A refused
// request takes nothing, so a client that keeps retrying is not locked out
// for longer.
//
// Pure: the caller passes the time, so tests need neither a clock nor sleeps.
// Arithmetic is in integers (a token is 60,000 units; a millisecond gives
// back `per_minute` units), so nothing drifts. A clock that steps back
// gives nothing back and takes nothing away. Memory: one entry per key whose
// bucket is not full; full buckets, which are what an unseen key gets, are
// dropped whenever the map has doubled since the last sweep.
// Thread-safe (one absl::Mutex).
class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    // When refused: whole seconds until one token is back (>= 1), what
    // Retry-After says.
    int64_t retry_after_seconds = 0;
  };

  // A burst below 1 is taken as 1.
  explicit RateLimiter(RateLimit limit);

  // Takes one token from `key`'s bucket at time `now`, if there is one.
  Decision Acquire(std::string_view key, absl::Time now);

  // Keys currently tracked (buckets that are not full), for tests.
  size_t TrackedKeys();

 private:
  struct Bucket {
    int64_t units;       // tokens * kUnitsPerToken
    absl::Time updated;  // the time `units` is valid for
  };
  static constexpr int64_t kUnitsPerToken = 60'000;  // ms in a minute

  // Brings `bucket` to `now`; true when it is full.
  bool Refill(Bucket& bucket, absl::Time now) const;
  void SweepFullBuckets(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int64_t per_minute_;
  const int64_t capacity_;  // burst * kUnitsPerToken
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  size_t sweep_at_ ABSL_GUARDED_BY(mu_) = 1024;
};

}  // namespace porthole

#endif  // PORTHOLE_COMMON_RATE_LIMITER_H_
