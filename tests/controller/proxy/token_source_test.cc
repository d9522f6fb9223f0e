#include "controller/proxy/token_source.h"

#include <gtest/gtest.h>

namespace porthole::controller {
namespace {

constexpr char kT[] = "0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d";

TEST(ExtractConsoleToken, QueryToken_IsFound) {
  EXPECT_EQ(ExtractConsoleToken(std::string("/?token=") + kT, ""), kT);
  EXPECT_EQ(ExtractConsoleToken(std::string("/websockify?a=1&token=") + kT, ""),
            kT);
}

TEST(ExtractConsoleToken, RepeatedQueryToken_LastNonEmptyWins) {
  EXPECT_EQ(ExtractConsoleToken("/?token=first&token=second&token=", ""),
            "second");
}

TEST(ExtractConsoleToken, NoQueryToken_TokenCookieIsUsed) {
  EXPECT_EQ(ExtractConsoleToken("/", std::string("a=b; token=") + kT), kT);
  EXPECT_EQ(ExtractConsoleToken("/?token=", std::string("token=") + kT), kT);
}

TEST(ExtractConsoleToken, BrokenCookieParts_AreSkipped) {
  EXPECT_EQ(ExtractConsoleToken(
                "/", std::string("garbage; =x; ;token=\"") + kT + "\"; z"),
            kT);
}

TEST(ExtractConsoleToken, QueryBeatsCookie) {
  EXPECT_EQ(ExtractConsoleToken("/?token=fromquery", "token=fromcookie"),
            "fromquery");
}

TEST(ExtractConsoleToken, PathQueryHoldingToken_IsFound) {
  // What noVNC's page URL carries: path=%3Ftoken%3DT.
  EXPECT_EQ(ExtractConsoleToken(std::string("/?path=%3Ftoken%3D") + kT, ""),
            kT);
  EXPECT_EQ(ExtractConsoleToken(
                std::string("/?path=websockify%3Fx%3D1%26token%3D") + kT, ""),
            kT);
}

TEST(ExtractConsoleToken, PathCookieHoldingToken_IsFound) {
  EXPECT_EQ(ExtractConsoleToken("/", std::string("path=%3Ftoken%3D") + kT), kT);
}

TEST(ExtractConsoleToken, TokenInPathSegments_IsIgnored) {
  EXPECT_FALSE(
      ExtractConsoleToken(std::string("/token=") + kT, "").has_value());
  EXPECT_FALSE(ExtractConsoleToken(std::string("/") + kT, "").has_value());
  EXPECT_FALSE(ExtractConsoleToken("/?path=novnc", "").has_value());
  EXPECT_FALSE(ExtractConsoleToken("/", "").has_value());
}

}  // namespace
}  // namespace porthole::controller
