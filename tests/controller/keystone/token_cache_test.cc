#include "controller/keystone/token_cache.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace porthole::controller::keystone {
namespace {

// A clock the test moves by hand.
struct ManualClock {
  std::atomic<int64_t> now{1'000'000};
  UnixClock Get() {
    return [this] { return now.load(); };
  }
};

Principal Alice(int64_t expires_at = 0) {
  Principal p;
  p.user_id = "alice";
  p.project_id = "demo";
  p.roles = {"member", "reader"};
  p.expires_at = expires_at;
  return p;
}

class TokenCacheTest : public ::testing::Test {
 protected:
  TokenCache::Options Options(size_t max_entries = 100) {
    return {.max_entries = max_entries,
            .ttl_seconds = 300,
            .negative_ttl_seconds = 10};
  }
  // A validator that counts its calls and answers `answer`.
  absl::StatusOr<Principal> Count(absl::StatusOr<Principal> answer) {
    ++calls_;
    return answer;
  }

  ManualClock clock_;
  int calls_ = 0;
};

TEST_F(TokenCacheTest, ValidToken_IsAskedOnceThenServedUntilTheCacheTime) {
  TokenCache cache(Options(), clock_.Get());
  auto validate = [&] { return Count(Alice()); };
  EXPECT_EQ(cache.Lookup("tok", validate)->user_id, "alice");
  clock_.now += 299;
  EXPECT_EQ(cache.Lookup("tok", validate)->user_id, "alice");
  EXPECT_EQ(calls_, 1);
  clock_.now += 1;  // token_cache_time has passed: ask again
  EXPECT_TRUE(cache.Lookup("tok", validate).ok());
  EXPECT_EQ(calls_, 2);
}

TEST_F(TokenCacheTest, TokenExpiringBeforeTheCacheTime_IsAskedAgainAtExpiry) {
  TokenCache cache(Options(), clock_.Get());
  const int64_t expiry = clock_.now + 30;
  EXPECT_TRUE(cache.Lookup("tok", [&] { return Count(Alice(expiry)); }).ok());
  clock_.now += 29;
  EXPECT_TRUE(cache.Lookup("tok", [&] { return Count(Alice(expiry)); }).ok());
  EXPECT_EQ(calls_, 1);
  clock_.now += 1;
  // Expired: even a (stale) 200 from the validator is refused.
  absl::StatusOr<Principal> after =
      cache.Lookup("tok", [&] { return Count(Alice(expiry)); });
  EXPECT_TRUE(absl::IsUnauthenticated(after.status())) << after.status();
  EXPECT_EQ(calls_, 2);
}

TEST_F(TokenCacheTest, RefusedToken_IsRememberedForTheNegativeTime) {
  TokenCache cache(Options(), clock_.Get());
  auto refuse = [&] { return Count(absl::UnauthenticatedError("404")); };
  EXPECT_TRUE(absl::IsUnauthenticated(cache.Lookup("bad", refuse).status()));
  clock_.now += 9;
  EXPECT_TRUE(absl::IsUnauthenticated(cache.Lookup("bad", refuse).status()));
  EXPECT_EQ(calls_, 1);
  clock_.now += 1;
  EXPECT_TRUE(absl::IsUnauthenticated(cache.Lookup("bad", refuse).status()));
  EXPECT_EQ(calls_, 2);
}

TEST_F(TokenCacheTest, Unavailable_IsNotRemembered) {
  TokenCache cache(Options(), clock_.Get());
  EXPECT_TRUE(absl::IsUnavailable(
      cache.Lookup("tok", [&] { return Count(absl::UnavailableError("down")); })
          .status()));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(cache.Lookup("tok", [&] { return Count(Alice()); }).ok());
  EXPECT_EQ(calls_, 2);
}

TEST_F(TokenCacheTest, NegativeTime_IsCappedByTheCacheTime) {
  TokenCache cache(
      {.max_entries = 10, .ttl_seconds = 2, .negative_ttl_seconds = 10},
      clock_.Get());
  auto refuse = [&] { return Count(absl::UnauthenticatedError("404")); };
  (void)cache.Lookup("bad", refuse);
  clock_.now += 2;
  (void)cache.Lookup("bad", refuse);
  EXPECT_EQ(calls_, 2);
}

TEST_F(TokenCacheTest, ZeroCacheTime_AsksEveryTime) {
  TokenCache cache(
      {.max_entries = 10, .ttl_seconds = 0, .negative_ttl_seconds = 10},
      clock_.Get());
  (void)cache.Lookup("tok", [&] { return Count(Alice()); });
  (void)cache.Lookup("tok", [&] { return Count(Alice()); });
  EXPECT_EQ(calls_, 2);
}

TEST_F(TokenCacheTest, Full_EvictsExpiredThenSoonestToExpire) {
  TokenCache cache(Options(/*max_entries=*/3), clock_.Get());
  const int64_t t = clock_.now;
  (void)cache.Lookup("a", [&] { return Count(Alice(t + 100)); });
  (void)cache.Lookup("b", [&] { return Count(Alice(t + 50)); });
  (void)cache.Lookup("c", [&] { return Count(Alice(t + 200)); });
  ASSERT_EQ(cache.size(), 3u);
  (void)cache.Lookup("d", [&] { return Count(Alice(t + 150)); });
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(calls_, 4);
  // b (soonest) went; a, c and d are still served from the cache.
  for (const char* kept : {"a", "c", "d"}) {
    (void)cache.Lookup(kept, [&] { return Count(Alice(t + 300)); });
  }
  EXPECT_EQ(calls_, 4);
  // b again: a (now the soonest) makes room for it.
  (void)cache.Lookup("b", [&] { return Count(Alice(t + 300)); });
  EXPECT_EQ(calls_, 5);

  clock_.now += 160;  // d has expired: the sweep takes it, c stays
  (void)cache.Lookup("e", [&] { return Count(Alice(t + 900)); });
  EXPECT_EQ(cache.size(), 3u);  // b, c, e
  (void)cache.Lookup("c", [&] { return Count(Alice(t + 900)); });
  EXPECT_EQ(calls_, 6);
}

TEST_F(TokenCacheTest, ConcurrentLookupsOfOneUnknownToken_ValidateOnce) {
  TokenCache cache(Options(), clock_.Get());
  absl::Notification release;
  std::atomic<int> validations{0};
  auto slow = [&]() -> absl::StatusOr<Principal> {
    ++validations;
    release.WaitForNotification();
    return Alice();
  };
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (cache.Lookup("same", slow).ok()) ++ok;
    });
  }
  // Every thread is inside Lookup: one validating, seven waiting.
  while (validations.load() == 0) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(100));
  release.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(validations.load(), 1);
  EXPECT_EQ(ok.load(), 8);
}

TEST_F(TokenCacheTest, WaitersOfAFailedFlight_GetItsErrorAndTheNextAsksAgain) {
  TokenCache cache(Options(), clock_.Get());
  absl::Notification release;
  std::atomic<int> validations{0};
  auto down = [&]() -> absl::StatusOr<Principal> {
    ++validations;
    release.WaitForNotification();
    return absl::UnavailableError("keystone down");
  };
  std::vector<std::thread> threads;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (absl::IsUnavailable(cache.Lookup("same", down).status())) {
        ++unavailable;
      }
    });
  }
  while (validations.load() == 0) std::this_thread::yield();
  absl::SleepFor(absl::Milliseconds(100));
  release.Notify();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unavailable.load(), 4);
  EXPECT_EQ(validations.load(), 1);
  EXPECT_TRUE(cache.Lookup("same", [&] { return Count(Alice()); }).ok());
  EXPECT_EQ(calls_, 1);
}

TEST_F(TokenCacheTest, DifferentTokens_DoNotShareAnswers) {
  TokenCache cache(Options(), clock_.Get());
  (void)cache.Lookup("tok-1", [&] { return Count(Alice()); });
  absl::StatusOr<Principal> other = cache.Lookup(
      "tok-2", [&] { return Count(absl::UnauthenticatedError("")); });
  EXPECT_FALSE(other.ok());
  EXPECT_EQ(calls_, 2);
}

}  // namespace
}  // namespace porthole::controller::keystone
