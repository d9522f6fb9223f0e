#include "controller/proxy/token_session_counter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

namespace porthole::controller {
namespace {

TEST(TokenSessionCounter, CapPerToken_OtherTokensUnaffected) {
  TokenSessionCounter counter(2);
  auto a1 = counter.TryAcquire("aaaa");
  auto a2 = counter.TryAcquire("aaaa");
  ASSERT_TRUE(a1.has_value());
  ASSERT_TRUE(a2.has_value());
  EXPECT_FALSE(counter.TryAcquire("aaaa").has_value());
  EXPECT_TRUE(counter.TryAcquire("bbbb").has_value());
  EXPECT_EQ(counter.count("aaaa"), 2u);
}

TEST(TokenSessionCounter, EndedSession_GivesItsPlaceBack) {
  TokenSessionCounter counter(1);
  {
    auto slot = counter.TryAcquire("aaaa");
    ASSERT_TRUE(slot.has_value());
    EXPECT_FALSE(counter.TryAcquire("aaaa").has_value());
  }
  EXPECT_EQ(counter.count("aaaa"), 0u);
  EXPECT_TRUE(counter.TryAcquire("aaaa").has_value());
}

TEST(TokenSessionCounter, MovedSlot_CountsOnce) {
  TokenSessionCounter counter(3);
  std::optional<TokenSessionCounter::Slot> kept;
  {
    auto slot = counter.TryAcquire("aaaa");
    kept = std::move(slot);
  }
  EXPECT_EQ(counter.count("aaaa"), 1u);
  kept.reset();
  EXPECT_EQ(counter.count("aaaa"), 0u);
}

TEST(TokenSessionCounter, ZeroMeansNoCap) {
  TokenSessionCounter counter(0);
  std::vector<TokenSessionCounter::Slot> slots;
  for (int i = 0; i < 100; ++i) {
    auto slot = counter.TryAcquire("aaaa");
    ASSERT_TRUE(slot.has_value());
    slots.push_back(std::move(*slot));
  }
}

TEST(TokenSessionCounter, ConcurrentAcquires_NeverExceedTheCap) {
  TokenSessionCounter counter(5);
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  std::vector<std::optional<TokenSessionCounter::Slot>> held(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      held[i] = counter.TryAcquire("aaaa");
      if (held[i]) ++granted;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 5);
  EXPECT_EQ(counter.count("aaaa"), 5u);
}

}  // namespace
}  // namespace porthole::controller
