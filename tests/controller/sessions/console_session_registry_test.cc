#include "controller/sessions/console_session_registry.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

ConsoleSessionInfo Info(std::string id, std::string server, std::string user,
                        std::string token_hash, int started) {
  ConsoleSessionInfo info;
  info.id = std::move(id);
  info.server_id = std::move(server);
  info.user_id = std::move(user);
  info.token_hash = std::move(token_hash);
  info.started = absl::FromUnixSeconds(started);
  return info;
}

// Records the ends each session was asked for.
struct Ends {
  std::vector<std::pair<std::string, SessionEnd>> seen;
  ConsoleSessionRegistry::EndFunction For(std::string id) {
    return [this, id](SessionEnd why) { seen.push_back({id, why}); };
  }
};

TEST(ConsoleSessionRegistry, List_FiltersByServerAndUser_OldestFirst) {
  ConsoleSessionRegistry registry;
  Ends ends;
  SessionByteCounters bytes;
  bytes.up = 5;
  bytes.down = 7;
  auto b =
      registry.Add(Info("b", "s1", "alice", "h1", 20), &bytes, ends.For("b"));
  auto a =
      registry.Add(Info("a", "s1", "bob", "h2", 10), nullptr, ends.For("a"));
  auto c =
      registry.Add(Info("c", "s2", "alice", "h3", 30), nullptr, ends.For("c"));

  std::vector<ConsoleSessionSnapshot> all = registry.List();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].info.id, "a");
  EXPECT_EQ(all[1].info.id, "b");
  EXPECT_EQ(all[1].bytes_up, 5u);
  EXPECT_EQ(all[1].bytes_down, 7u);
  EXPECT_EQ(registry.List({.server_id = "s1"}).size(), 2u);
  std::vector<ConsoleSessionSnapshot> alice_s1 =
      registry.List({.server_id = "s1", .user_id = "alice"});
  ASSERT_EQ(alice_s1.size(), 1u);
  EXPECT_EQ(alice_s1[0].info.id, "b");

  bytes.up += 100;  // the relay moved bytes: the next listing shows them
  EXPECT_EQ(registry.List({.user_id = "alice"})[0].bytes_up, 105u);
  EXPECT_TRUE(ends.seen.empty());
}

TEST(ConsoleSessionRegistry, End_ById_EndsOnlyThatOne_UnknownIsFalse) {
  ConsoleSessionRegistry registry;
  Ends ends;
  auto a = registry.Add(Info("a", "s1", "u", "h", 1), nullptr, ends.For("a"));
  auto b = registry.Add(Info("b", "s1", "u", "h", 2), nullptr, ends.For("b"));
  EXPECT_TRUE(registry.End("b", SessionEnd::kEndedByAdmin));
  EXPECT_FALSE(registry.End("zzz", SessionEnd::kEndedByAdmin));
  ASSERT_EQ(ends.seen.size(), 1u);
  EXPECT_EQ(ends.seen[0].first, "b");
  EXPECT_EQ(ends.seen[0].second, SessionEnd::kEndedByAdmin);
}

TEST(ConsoleSessionRegistry, EndForServer_EndsEverySessionOfThatServer) {
  ConsoleSessionRegistry registry;
  Ends ends;
  auto a = registry.Add(Info("a", "s1", "u", "h1", 1), nullptr, ends.For("a"));
  auto b = registry.Add(Info("b", "s2", "u", "h2", 2), nullptr, ends.For("b"));
  auto c = registry.Add(Info("c", "s1", "u", "h3", 3), nullptr, ends.For("c"));
  EXPECT_EQ(registry.EndForServer("s1", SessionEnd::kEndedByAdmin), 2u);
  EXPECT_EQ(registry.EndForServer("nope", SessionEnd::kEndedByAdmin), 0u);
  EXPECT_EQ(ends.seen.size(), 2u);
  for (const auto& [id, why] : ends.seen) EXPECT_NE(id, "b");
}

// The revocation path the token store's listener drives.
TEST(ConsoleSessionRegistry, EndForTokens_EndsOnlyThoseTokensLiveSessions) {
  ConsoleSessionRegistry registry;
  Ends ends;
  auto a1 = registry.Add(Info("a1", "s", "u", "a", 1), nullptr, ends.For("a1"));
  std::optional<ConsoleSessionRegistry::Registration> a2 =
      registry.Add(Info("a2", "s", "u", "a", 2), nullptr, ends.For("a2"));
  auto b = registry.Add(Info("b", "s", "u", "b", 3), nullptr, ends.For("b"));
  EXPECT_EQ(registry.count_for_token("a"), 2u);

  a2.reset();  // that session ended by itself
  EXPECT_EQ(registry.EndForTokens({"a", "unknown"}, SessionEnd::kTokenRevoked),
            1u);
  ASSERT_EQ(ends.seen.size(), 1u);
  EXPECT_EQ(ends.seen[0].first, "a1");
  EXPECT_EQ(ends.seen[0].second, SessionEnd::kTokenRevoked);
  EXPECT_EQ(registry.count_for_token("b"), 1u);
}

TEST(ConsoleSessionRegistry, MovedRegistration_RemovedOnce) {
  ConsoleSessionRegistry registry;
  {
    auto first =
        registry.Add(Info("a", "s", "u", "h", 1), nullptr, [](SessionEnd) {});
    ConsoleSessionRegistry::Registration moved(std::move(first));
    EXPECT_EQ(registry.size(), 1u);
  }
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_FALSE(registry.End("a", SessionEnd::kEndedByAdmin));
}

TEST(SessionEnd, ProxyInitiatedEnds_Use4000RangeCodes_WithAReason) {
  for (SessionEnd end :
       {SessionEnd::kEndedByAdmin, SessionEnd::kTokenRevoked,
        SessionEnd::kTokenExpired, SessionEnd::kIdle,
        SessionEnd::kBackendClosed, SessionEnd::kProxyDraining,
        SessionEnd::kMaxDuration, SessionEnd::kAccessRevoked}) {
    const SessionCloseFrame frame = CloseFrameFor(end);
    EXPECT_GE(frame.code, 4000) << SessionEndName(end);
    EXPECT_LT(frame.code, 4100) << SessionEndName(end);
    EXPECT_FALSE(frame.reason.empty()) << SessionEndName(end);
    // RFC 6455: a close reason fits a control frame (123 bytes).
    EXPECT_LE(frame.reason.size(), 123u);
  }
  EXPECT_EQ(CloseFrameFor(SessionEnd::kEndedByAdmin).code, 4001);
  EXPECT_EQ(CloseFrameFor(SessionEnd::kEndedByAdmin).reason,
            "ended by administrator");
  EXPECT_EQ(CloseFrameFor(SessionEnd::kTokenRevoked).code, 4002);
  EXPECT_EQ(SessionEndName(SessionEnd::kEndedByAdmin), "ended-by-admin");
  EXPECT_EQ(CloseFrameFor(SessionEnd::kIdle).code, 4004);
  EXPECT_EQ(CloseFrameFor(SessionEnd::kMaxDuration).code, 4007);
  EXPECT_EQ(SessionEndName(SessionEnd::kMaxDuration), "max-duration");
  EXPECT_EQ(CloseFrameFor(SessionEnd::kAccessRevoked).code, 4008);
  EXPECT_EQ(CloseFrameFor(SessionEnd::kAccessRevoked).reason, "access revoked");
  EXPECT_EQ(SessionEndName(SessionEnd::kAccessRevoked), "access-revoked");
}

}  // namespace
}  // namespace porthole::controller
