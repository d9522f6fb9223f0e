#include "controller/tokens/console_token.h"

#include <regex>
#include <string>
#include <unordered_set>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

TEST(ConsoleToken, NewConsoleToken_IsLowercaseUuid4) {
  const std::regex uuid4(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 1000; ++i) {
    std::string token = NewConsoleToken();
    ASSERT_EQ(token.size(), 36u) << token;
    EXPECT_TRUE(std::regex_match(token, uuid4)) << token;
    EXPECT_EQ(token[14], '4') << "version nibble: " << token;
    EXPECT_NE(std::string("89ab").find(token[19]), std::string::npos)
        << "variant nibble: " << token;
    EXPECT_TRUE(LooksLikeConsoleToken(token)) << token;
  }
}

TEST(ConsoleToken, NewConsoleToken_TenThousandAreDistinct) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(NewConsoleToken());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(ConsoleToken, NewConsoleToken_RandomNibblesTakeEveryValue) {
  // A constant or stuck position would betray a broken generator; every one
  // of the 30 fully random hex positions sees all 16 digits in 2000 tokens
  // (a miss has probability about 16 * (15/16)^2000, i.e. never).
  std::string tokens[2000];
  for (auto& token : tokens) token = NewConsoleToken();
  for (size_t position = 0; position < 36; ++position) {
    if (position == 8 || position == 13 || position == 18 || position == 23 ||
        position == 14 || position == 19) {
      continue;  // dashes, version and variant
    }
    std::unordered_set<char> digits;
    for (const auto& token : tokens) digits.insert(token[position]);
    EXPECT_EQ(digits.size(), 16u) << "position " << position;
  }
}

TEST(ConsoleToken, HashConsoleToken_IsSha256LowercaseHex) {
  EXPECT_EQ(HashConsoleToken("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashConsoleToken(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HashConsoleToken("0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d"),
            "ed30d7eee87319076ffe180a7f1e8f97956bea6a87b475e2fc33f50a95ab3a4b");
  EXPECT_TRUE(LooksLikeTokenHash(HashConsoleToken(NewConsoleToken())));
}

TEST(ConsoleToken, LooksLikeConsoleToken_RejectsOtherShapes) {
  EXPECT_TRUE(LooksLikeConsoleToken("0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d"));
  EXPECT_FALSE(LooksLikeConsoleToken(""));
  EXPECT_FALSE(LooksLikeConsoleToken("0F8E3B1C-5D2A-4C6E-9B7A-1E2F3A4B5C6D"));
  EXPECT_FALSE(LooksLikeConsoleToken("0f8e3b1c5d2a4c6e9b7a1e2f3a4b5c6d"));
  EXPECT_FALSE(LooksLikeConsoleToken("0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d0"));
  EXPECT_FALSE(LooksLikeConsoleToken("0f8e3b1c-5d2a-4c6e-9b7a_1e2f3a4b5c6d"));
  EXPECT_FALSE(LooksLikeConsoleToken("0f8e3b1c-5d2a-4c6e-9b7g-1e2f3a4b5c6d"));
  EXPECT_FALSE(LooksLikeConsoleToken(
      std::string_view("0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6\0", 36)));
}

TEST(ConsoleToken, LooksLikeTokenHash_AcceptsOnlySha256Hex) {
  EXPECT_TRUE(LooksLikeTokenHash(HashConsoleToken("abc")));
  EXPECT_FALSE(LooksLikeTokenHash("0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d"));
  EXPECT_FALSE(LooksLikeTokenHash(
      "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
  EXPECT_FALSE(LooksLikeTokenHash(HashConsoleToken("abc").substr(1)));
}

}  // namespace
}  // namespace porthole::controller
