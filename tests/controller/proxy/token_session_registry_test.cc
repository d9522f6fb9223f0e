#include "controller/proxy/token_session_registry.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

TEST(TokenSessionRegistry, EndSessions_EndsOnlyThoseTokensLiveSessions) {
  TokenSessionRegistry registry;
  int ended_a = 0, ended_b = 0;
  auto a1 = registry.Add("a", [&] { ++ended_a; });
  std::optional<TokenSessionRegistry::Registration> a2 =
      registry.Add("a", [&] { ++ended_a; });
  auto b = registry.Add("b", [&] { ++ended_b; });
  EXPECT_EQ(registry.count("a"), 2u);

  a2.reset();  // that session ended by itself
  EXPECT_EQ(registry.EndSessions({"a", "unknown"}), 1u);
  EXPECT_EQ(ended_a, 1);
  EXPECT_EQ(ended_b, 0);
  EXPECT_EQ(registry.count("b"), 1u);
}

TEST(TokenSessionRegistry, MovedRegistration_RemovedOnce) {
  TokenSessionRegistry registry;
  {
    auto first = registry.Add("a", [] {});
    TokenSessionRegistry::Registration moved(std::move(first));
    EXPECT_EQ(registry.count("a"), 1u);
  }
  EXPECT_EQ(registry.count("a"), 0u);
  EXPECT_EQ(registry.EndSessions({"a"}), 0u);
}

}  // namespace
}  // namespace porthole::controller
