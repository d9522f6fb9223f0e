#include "controller/proxy/vencrypt_plain.h"

#include <gtest/gtest.h>

#include <string>

namespace porthole::controller::vencrypt_plain {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(VeNCryptPlain, TheServerOffersVeNCrypt02WithX509PlainOnly) {
  EXPECT_EQ(kRfbVersion, "RFB 003.008\n");
  EXPECT_EQ(std::string(kSecurityTypes), Bytes({1, 19}));
  EXPECT_EQ(std::string(kVeNCryptVersion), Bytes({0, 2}));
  EXPECT_EQ(std::string(kSubtypes), Bytes({1, 0, 0, 1, 6}));
  EXPECT_EQ(ParseSubtype(Bytes({0, 0, 1, 6})), kX509Plain);
  EXPECT_EQ(ParseSubtype(Bytes({0, 0, 1})), 0u);
}

TEST(VeNCryptPlain, OnlyRfb38IsAccepted) {
  EXPECT_TRUE(IsRfb38("RFB 003.008\n"));
  EXPECT_FALSE(IsRfb38("RFB 003.007\n"));
  EXPECT_FALSE(IsRfb38("RFB 003.003\n"));
  EXPECT_FALSE(IsRfb38("RFB 003.008"));
}

TEST(VeNCryptPlain, PlainLengths_Bounded) {
  auto lengths = ParsePlainLengths(Bytes({0, 0, 0, 6, 0, 0, 0, 36}));
  ASSERT_TRUE(lengths.has_value());
  EXPECT_EQ(lengths->username, 6u);
  EXPECT_EQ(lengths->password, 36u);
  EXPECT_TRUE(ParsePlainLengths(Bytes({0, 0, 4, 0, 0, 0, 4, 0})).has_value());
  EXPECT_FALSE(ParsePlainLengths(Bytes({0, 0, 4, 1, 0, 0, 0, 1})));
  EXPECT_FALSE(ParsePlainLengths(Bytes({0, 0, 0, 1, 255, 255, 255, 255})));
  EXPECT_FALSE(ParsePlainLengths(Bytes({0, 0, 0, 1})));
}

TEST(VeNCryptPlain, SecurityResults) {
  EXPECT_EQ(SecurityResultOk(), Bytes({0, 0, 0, 0}));
  EXPECT_EQ(SecurityResultFailed("no"), Bytes({0, 0, 0, 1, 0, 0, 0, 2}) + "no");
}

TEST(VeNCryptPlain, FailureReasonOf_TheHandshakesTwoFailureShapes) {
  // No security types (QEMU refused before the choice).
  EXPECT_EQ(FailureReasonOf(Bytes({0, 0, 0, 0, 3}) + "bad"), "bad");
  // A failed SecurityResult.
  EXPECT_EQ(FailureReasonOf(SecurityResultFailed("Authentication failed")),
            "Authentication failed");
  // Anything else: no reason.
  EXPECT_EQ(FailureReasonOf(Bytes({1, 1})), "");
  EXPECT_EQ(FailureReasonOf(Bytes({0, 0, 0, 0})), "");
  EXPECT_EQ(FailureReasonOf(Bytes({0, 0, 0, 1, 0, 0, 0, 9}) + "short"), "");
  EXPECT_EQ(FailureReasonOf(""), "");
}

}  // namespace
}  // namespace porthole::controller::vencrypt_plain
