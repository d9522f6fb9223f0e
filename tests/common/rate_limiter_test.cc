// RateLimiter: a token bucket per key, driven by the time the test passes.
#include "common/rate_limiter.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace porthole {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// How many of `n` requests at `now` are allowed.
int Allowed(RateLimiter& limiter, std::string_view key, absl::Time now, int n) {
  int allowed = 0;
  for (int i = 0; i < n; ++i) allowed += limiter.Acquire(key, now).allowed;
  return allowed;
}

TEST(RateLimiter, FreshKey_GetsTheWholeBurstThenIsRefused) {
  RateLimiter limiter({.per_minute = 60, .burst = 10});
  EXPECT_EQ(Allowed(limiter, "alice", kStart, 10), 10);
  RateLimiter::Decision refused = limiter.Acquire("alice", kStart);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST(RateLimiter, TokensComeBackAtTheRate_NotBefore) {
  RateLimiter limiter({.per_minute = 60, .burst = 1});
  ASSERT_TRUE(limiter.Acquire("alice", kStart).allowed);
  EXPECT_FALSE(
      limiter.Acquire("alice", kStart + absl::Milliseconds(999)).allowed);
  EXPECT_TRUE(limiter.Acquire("alice", kStart + absl::Seconds(1)).allowed);
  // A minute gives back exactly `per_minute`, however it is sliced.
  RateLimiter sliced({.per_minute = 60, .burst = 60});
  ASSERT_EQ(Allowed(sliced, "bob", kStart, 60), 60);
  int allowed = 0;
  for (int ms = 7; ms <= 60'000; ms += 7) {
    allowed += sliced.Acquire("bob", kStart + absl::Milliseconds(ms)).allowed;
  }
  EXPECT_EQ(allowed, 59);  // the 60th token is due at 60,000 ms, then 60,004
}

TEST(RateLimiter, RetryAfter_IsTheWaitForOneToken_RoundedUp) {
  RateLimiter limiter({.per_minute = 7, .burst = 1});  // one every 8.57 s
  ASSERT_TRUE(limiter.Acquire("alice", kStart).allowed);
  EXPECT_EQ(limiter.Acquire("alice", kStart).retry_after_seconds, 9);
  EXPECT_EQ(
      limiter.Acquire("alice", kStart + absl::Seconds(8)).retry_after_seconds,
      1);
  EXPECT_TRUE(
      limiter.Acquire("alice", kStart + absl::Milliseconds(8572)).allowed);
}

TEST(RateLimiter, RefusedRequests_TakeNothing) {
  RateLimiter limiter({.per_minute = 60, .burst = 1});
  ASSERT_TRUE(limiter.Acquire("alice", kStart).allowed);
  // Hammering while empty does not push the next token further away.
  for (int ms = 0; ms < 1000; ms += 10) {
    EXPECT_FALSE(
        limiter.Acquire("alice", kStart + absl::Milliseconds(ms)).allowed);
  }
  EXPECT_TRUE(limiter.Acquire("alice", kStart + absl::Seconds(1)).allowed);
}

TEST(RateLimiter, LongIdle_RefillsToTheBurstOnly) {
  RateLimiter limiter({.per_minute = 60, .burst = 5});
  ASSERT_EQ(Allowed(limiter, "alice", kStart, 5), 5);
  EXPECT_EQ(Allowed(limiter, "alice", kStart + absl::Hours(24), 100), 5);
}

TEST(RateLimiter, Keys_AreIndependent) {
  RateLimiter limiter({.per_minute = 1, .burst = 2});
  EXPECT_EQ(Allowed(limiter, "alice", kStart, 5), 2);
  EXPECT_EQ(Allowed(limiter, "bob", kStart, 5), 2);
  EXPECT_EQ(Allowed(limiter, "", kStart, 5), 2);
}

TEST(RateLimiter, ZeroPerMinute_IsUnlimited) {
  RateLimiter limiter({.per_minute = 0, .burst = 0});
  EXPECT_EQ(Allowed(limiter, "alice", kStart, 10'000), 10'000);
  EXPECT_EQ(limiter.TrackedKeys(), 0u);
}

TEST(RateLimiter, BurstBelowOne_IsOne) {
  RateLimiter limiter({.per_minute = 60, .burst = 0});
  EXPECT_EQ(Allowed(limiter, "alice", kStart, 5), 1);
}

TEST(RateLimiter, ClockStepsBack_GivesNothingBackAndLocksNobodyOut) {
  RateLimiter limiter({.per_minute = 60, .burst = 2});
  ASSERT_EQ(Allowed(limiter, "alice", kStart, 2), 2);
  const absl::Time earlier = kStart - absl::Hours(1);
  EXPECT_FALSE(limiter.Acquire("alice", earlier).allowed);
  EXPECT_TRUE(limiter.Acquire("alice", earlier + absl::Seconds(1)).allowed);
}

TEST(RateLimiter, ManyKeysThatGoQuiet_AreForgotten) {
  RateLimiter limiter({.per_minute = 60, .burst = 10});
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(limiter.Acquire(absl::StrCat("user-", i), kStart).allowed);
  }
  EXPECT_GE(limiter.TrackedKeys(), 4000u);  // their buckets are not full
  // A second later every one of them is full again; the next sweep (when
  // the map has doubled) drops them.
  const absl::Time later = kStart + absl::Seconds(1);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(limiter.Acquire(absl::StrCat("other-", i), later).allowed);
  }
  EXPECT_LE(limiter.TrackedKeys(), 5000u);
}

TEST(RateLimiter, ConcurrentAcquires_AllowExactlyTheBurst) {
  RateLimiter limiter({.per_minute = 1, .burst = 100});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back(
        [&] { allowed += Allowed(limiter, "alice", kStart, 50); });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100);
}

}  // namespace
}  // namespace porthole
