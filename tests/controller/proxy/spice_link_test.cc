// SPICE's link stage as bytes (spice_link.h): what remote-viewer sends and
// what QEMU answers, built by hand from the protocol's layout.
#include "controller/proxy/spice_link.h"

#include <gtest/gtest.h>

#include <string>

namespace porthole::controller::spice_link {
namespace {

std::string Le32(uint32_t v) { return EncodeU32(v); }

// A header for a body of `size` bytes.
std::string Header(uint32_t size, uint32_t major = 2) {
  return "REDQ" + Le32(major) + Le32(2) + Le32(size);
}

TEST(SpiceLinkTest, Header_GivesTheBodySize) {
  absl::StatusOr<uint32_t> size = ParseHeader(Header(22));
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 22u);
}

TEST(SpiceLinkTest, Header_RefusesOtherMagicVersionsAndHugeBodies) {
  EXPECT_TRUE(
      absl::IsInvalidArgument(ParseHeader("RFB 003.008\nxxxx").status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(ParseHeader(Header(22, 1)).status()));
  EXPECT_TRUE(absl::IsOutOfRange(ParseHeader(Header(1 << 20)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseHeader("REDQ").status()));
}

TEST(SpiceLinkTest, LinkMessage_RoundTrips) {
  LinkMessage m;
  m.connection_id = 0x12345678;
  m.channel_type = 2;
  m.channel_id = 1;
  m.common_caps = CapsOf({kCapAuthSelection, kCapAuthSpice, kCapMiniHeader});
  m.channel_caps = CapsOf({0, 5, 40});
  const std::string bytes = EncodeLinkMessage(m);
  ASSERT_EQ(*ParseHeader(bytes), bytes.size() - kHeaderBytes);
  absl::StatusOr<LinkMessage> back =
      ParseLinkMessage(std::string_view(bytes).substr(kHeaderBytes));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->connection_id, 0x12345678u);
  EXPECT_EQ(back->channel_type, 2);
  EXPECT_EQ(back->channel_id, 1);
  EXPECT_EQ(back->common_caps, m.common_caps);
  EXPECT_EQ(back->channel_caps, m.channel_caps);
  // The layout: connection id, channel type and id, the counts, caps at 18.
  EXPECT_EQ(bytes.substr(16, 4), Le32(0x12345678));
  EXPECT_EQ(bytes[20], 2);
  EXPECT_EQ(bytes.substr(30, 4), Le32(18));
  EXPECT_EQ(bytes.substr(34, 4), Le32(0b1011));
}

TEST(SpiceLinkTest, LinkMessage_CapabilitiesOutOfBoundsAreRefused) {
  // Two common caps words announced, none there.
  const std::string body =
      Le32(0) + std::string{1, 0} + Le32(2) + Le32(0) + Le32(18);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLinkMessage(body).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLinkMessage("short").status()));
  const std::string far =
      Le32(0) + std::string{1, 0} + Le32(1) + Le32(0) + Le32(0xfffffff0);
  EXPECT_TRUE(absl::IsInvalidArgument(ParseLinkMessage(far).status()));
}

TEST(SpiceLinkTest, LinkReply_RoundTripsWithItsKey) {
  LinkReply r;
  r.public_key = std::string(kPublicKeyBytes, 'k');
  r.common_caps = CapsOf({kCapAuthSpice});
  r.channel_caps = CapsOf({1, 2});
  const std::string bytes = EncodeLinkReply(r);
  EXPECT_EQ(bytes.size(), kHeaderBytes + 4 + kPublicKeyBytes + 12 + 8);
  absl::StatusOr<LinkReply> back =
      ParseLinkReply(std::string_view(bytes).substr(kHeaderBytes));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->error, kOk);
  EXPECT_EQ(back->public_key, r.public_key);
  EXPECT_EQ(back->common_caps, r.common_caps);
  EXPECT_EQ(back->channel_caps, r.channel_caps);
}

TEST(SpiceLinkTest, LinkReply_AnErrorCarriesNothingElse) {
  LinkReply r;
  r.error = kBadConnectionId;
  const std::string bytes = EncodeLinkReply(r);
  absl::StatusOr<LinkReply> back = ParseLinkReply(Le32(kBadConnectionId));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->error, kBadConnectionId);
  EXPECT_EQ(bytes.substr(kHeaderBytes, 4), Le32(kBadConnectionId));
}

TEST(SpiceLinkTest, Caps_IntersectAndMissing) {
  const Caps a = CapsOf({0, 1, 3, 33});
  const Caps b = CapsOf({1, 3});
  EXPECT_EQ(Intersect(a, b), CapsOf({1, 3}));
  EXPECT_TRUE(Missing(b, a).empty());
  EXPECT_EQ(Missing(a, b), CapsOf({0, 33}));
  EXPECT_TRUE(HasCap(a, 33));
  EXPECT_FALSE(HasCap(b, 33));
  EXPECT_TRUE(ClientSelectsAuth(a, CapsOf({kCapAuthSelection})));
  EXPECT_FALSE(ClientSelectsAuth(a, b));
}

std::string MiniMessage(uint16_t type, const std::string& body) {
  return std::string{static_cast<char>(type), static_cast<char>(type >> 8)} +
         Le32(static_cast<uint32_t>(body.size())) + body;
}

TEST(SpiceLinkTest, MainInit_SessionIdAfterOtherMessages) {
  const std::string stream = MiniMessage(4, "ping") +
                             MiniMessage(103, Le32(0xcafe) + Le32(1)) + "more";
  for (size_t cut = 0; cut < 16; ++cut) {
    absl::StatusOr<std::optional<uint32_t>> partial =
        MainInitSessionId(stream.substr(0, cut), /*mini_header=*/true);
    ASSERT_TRUE(partial.ok()) << cut;
    EXPECT_FALSE(partial->has_value()) << cut;
  }
  absl::StatusOr<std::optional<uint32_t>> id =
      MainInitSessionId(stream, /*mini_header=*/true);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(**id, 0xcafeu);
}

TEST(SpiceLinkTest, MainInit_FullHeader) {
  const std::string header =
      std::string(8, '\0') + std::string{103, 0} + Le32(8) + Le32(0);
  absl::StatusOr<std::optional<uint32_t>> id =
      MainInitSessionId(header + Le32(77) + Le32(0), /*mini_header=*/false);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(**id, 77u);
}

TEST(SpiceLinkTest, MainInit_NotAmongTheFirstMessagesOrTooLarge) {
  std::string many;
  for (int i = 0; i < 9; ++i) many += MiniMessage(4, "x");
  EXPECT_TRUE(absl::IsNotFound(MainInitSessionId(many, true).status()));
  const std::string huge = std::string{4, 0} + Le32(1 << 30);
  EXPECT_TRUE(absl::IsInvalidArgument(MainInitSessionId(huge, true).status()));
}

}  // namespace
}  // namespace porthole::controller::spice_link
