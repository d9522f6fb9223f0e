#include "common/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace porthole {
namespace {

TEST(NewUuid4, IsLowercaseVersion4WithRfc4122Variant) {
  for (int i = 0; i < 100; ++i) {
    const std::string uuid = NewUuid4();
    ASSERT_TRUE(LooksLikeLowercaseUuid(uuid)) << uuid;
    EXPECT_EQ(uuid[14], '4') << uuid;
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
  }
}

TEST(NewUuid4, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(NewUuid4());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(LooksLikeUuid, AcceptsEitherCaseRefusesOtherShapes) {
  EXPECT_TRUE(LooksLikeUuid("11111111-1111-4111-8111-111111111111"));
  EXPECT_TRUE(LooksLikeUuid("ABCDEF01-2345-6789-abcd-ef0123456789"));
  EXPECT_FALSE(LooksLikeUuid("11111111-1111-4111-8111-11111111111"));
  EXPECT_FALSE(LooksLikeUuid("11111111111114111811111111111111111"));
  EXPECT_FALSE(LooksLikeUuid("1111111g-1111-4111-8111-111111111111"));
  EXPECT_FALSE(LooksLikeUuid("{1111111-1111-4111-8111-111111111111"));
  EXPECT_FALSE(LooksLikeUuid(""));
}

TEST(LooksLikeLowercaseUuid, RefusesUppercase) {
  EXPECT_TRUE(LooksLikeLowercaseUuid("abcdef01-2345-6789-abcd-ef0123456789"));
  EXPECT_FALSE(LooksLikeLowercaseUuid("ABCDEF01-2345-6789-abcd-ef0123456789"));
}

}  // namespace
TEST(UuidBits, RoundTripsThroughText_InLowercase) {
  std::optional<absl::uint128> bits =
      UuidBits("0B1A2C3D-0000-4000-8000-00000000F1EE");
  ASSERT_TRUE(bits.has_value());
  EXPECT_EQ(absl::Uint128High64(*bits), 0x0b1a2c3d00004000u);
  EXPECT_EQ(absl::Uint128Low64(*bits), 0x800000000000f1eeu);
  EXPECT_EQ(UuidText(*bits), "0b1a2c3d-0000-4000-8000-00000000f1ee");
  const std::string fresh = NewUuid4();
  EXPECT_EQ(UuidText(*UuidBits(fresh)), fresh);
  EXPECT_EQ(UuidText(0), "00000000-0000-0000-0000-000000000000");
}

TEST(UuidBits, RefusesWhatIsNotAUuid) {
  EXPECT_FALSE(UuidBits("instance-00000001").has_value());
  EXPECT_FALSE(UuidBits("0b1a2c3d00004000800000000000f1ee").has_value());
  EXPECT_FALSE(UuidBits("0b1a2c3d-0000-4000-8000-00000000f1eg").has_value());
}

}  // namespace porthole
