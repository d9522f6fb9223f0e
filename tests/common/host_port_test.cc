#include "common/host_port.h"

#include <gtest/gtest.h>

namespace porthole {
namespace {

TEST(HostPort, ParsesV4V6AndNames) {
  EXPECT_EQ(ParseHostPort("127.0.0.1:16520")->host, "127.0.0.1");
  EXPECT_EQ(ParseHostPort("127.0.0.1:16520")->port, 16520);
  EXPECT_EQ(ParseHostPort("[::1]:80")->host, "::1");
  EXPECT_EQ(ParseHostPort("[::1]:80")->port, 80);
  EXPECT_EQ(ParseHostPort("compute-1:0")->port, 0);
  EXPECT_EQ(ParseHostPort("compute-1", 16520)->port, 16520);
  EXPECT_EQ(ParseHostPort("[fe80::1]", 7)->host, "fe80::1");
}

TEST(HostPort, RejectsMalformed) {
  for (const char* bad : {"", ":80", "host:", "host:65536", "host:-1",
                          "host:8x", "::1:80", "[::1", "[]:80", "[::1]x80"}) {
    EXPECT_FALSE(ParseHostPort(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseHostPort("compute-1").ok());  // no default port
}

TEST(HostPort, ToString_BracketsIpv6) {
  EXPECT_EQ((HostPort{"::1", 5900}).ToString(), "[::1]:5900");
  EXPECT_EQ((HostPort{"10.0.0.1", 5900}).ToString(), "10.0.0.1:5900");
}

TEST(HostPort, WildcardSpellings) {
  for (const char* w : {"0.0.0.0", "::", "::0", "0:0:0:0:0:0:0:0", "[::]",
                        "::ffff:0.0.0.0", "0000:0000::"}) {
    EXPECT_TRUE(IsWildcardAddress(w)) << w;
  }
  for (const char* n : {"127.0.0.1", "::1", "10.0.0.0", "localhost", "", "0",
                        "::ffff:10.0.0.1"}) {
    EXPECT_FALSE(IsWildcardAddress(n)) << n;
  }
}

}  // namespace
}  // namespace porthole
