#include "controller/net/peer_address.h"

#include <gtest/gtest.h>

namespace porthole::controller::net {
namespace {

TEST(NormalisePeerAddress, V4MappedV6_IsWrittenAsIpv4) {
  EXPECT_EQ(NormalisePeerAddress("::ffff:127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(NormalisePeerAddress("::FFFF:10.1.2.3"), "10.1.2.3");
  EXPECT_EQ(NormalisePeerAddress("::ffff:7f00:1"), "127.0.0.1");
}

TEST(NormalisePeerAddress, PlainAddresses_AreCanonical) {
  EXPECT_EQ(NormalisePeerAddress("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(NormalisePeerAddress("::1"), "::1");
  EXPECT_EQ(NormalisePeerAddress("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
}

TEST(NormalisePeerAddress, NotAnAddress_ComesBackUnchanged) {
  EXPECT_EQ(NormalisePeerAddress(""), "");
  EXPECT_EQ(NormalisePeerAddress("?"), "?");
  EXPECT_EQ(NormalisePeerAddress("::ffff:999.0.0.1"), "::ffff:999.0.0.1");
  const std::string long_text(100, 'a');
  EXPECT_EQ(NormalisePeerAddress(long_text), long_text);
}

TEST(PeerLimitKey, Ipv4IsItsOwnClient) {
  EXPECT_EQ(PeerLimitKey("192.0.2.7"), "192.0.2.7");
}

TEST(PeerLimitKey, Ipv6CountsAsItsSlash64) {
  EXPECT_EQ(PeerLimitKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"),
            "2001:db8:1:2::/64");
  EXPECT_EQ(PeerLimitKey("2001:db8:1:2::1"), PeerLimitKey("2001:db8:1:2::9"));
  EXPECT_NE(PeerLimitKey("2001:db8:1:2::1"), PeerLimitKey("2001:db8:1:3::1"));
  EXPECT_EQ(PeerLimitKey("::1"), "::/64");
}

TEST(PeerLimitKey, NotAnAddress_ComesBackUnchanged) {
  EXPECT_EQ(PeerLimitKey("?"), "?");
}

}  // namespace
}  // namespace porthole::controller::net
