#include "common/rate_limiter.h"

#include <algorithm>

namespace porthole {

RateLimiter::RateLimiter(RateLimit limit)
    : per_minute_(std::max(limit.per_minute, 0)),
      capacity_(std::max(limit.burst, 1) * kUnitsPerToken) {}

bool RateLimiter::Refill(Bucket& bucket, absl::Time now) const {
  if (now < bucket.updated) {
    bucket.updated = now;  // the clock stepped back: start again from here
  }
  const int64_t millis = absl::ToInt64Milliseconds(now - bucket.updated);
  // Past this many milliseconds the bucket is full whatever it held.
  const int64_t to_full =
      (capacity_ - bucket.units + per_minute_ - 1) / per_minute_;
  if (millis >= to_full) {
    bucket.units = capacity_;
    bucket.updated = now;
    return true;
  }
  bucket.units += millis * per_minute_;
  // Only whole milliseconds are spent, so no fraction is ever lost.
  bucket.updated += absl::Milliseconds(millis);
  return bucket.units >= capacity_;
}

RateLimiter::Decision RateLimiter::Acquire(std::string_view key,
                                           absl::Time now) {
  if (per_minute_ == 0) return {};
  absl::MutexLock lock(&mu_);
  auto [it, inserted] =
      buckets_.try_emplace(std::string(key), Bucket{capacity_, now});
  Bucket& bucket = it->second;
  if (!inserted) Refill(bucket, now);
  if (bucket.units >= kUnitsPerToken) {
    bucket.units -= kUnitsPerToken;
    if (buckets_.size() >= sweep_at_) SweepFullBuckets(now);
    return {};
  }
  const int64_t missing_millis =
      (kUnitsPerToken - bucket.units + per_minute_ - 1) / per_minute_;
  return {.allowed = false,
          .retry_after_seconds =
              std::max<int64_t>(1, (missing_millis + 999) / 1000)};
}

void RateLimiter::SweepFullBuckets(absl::Time now) {
  absl::erase_if(buckets_,
                 [&](auto& entry) { return Refill(entry.second, now); });
  sweep_at_ = std::max<size_t>(1024, 2 * buckets_.size());
}

size_t RateLimiter::TrackedKeys() {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

}  // namespace porthole
