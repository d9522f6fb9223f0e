#include "controller/consoles/console_urls.h"

#include "common/text.h"
#include "common/url_encoding.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

constexpr char kToken[] = "b60bcfc3-5fd4-4d21-986c-e83379107819";

TEST(BuildConsoleUrlTest, NoVnc_PutsTheTokenIntoPath) {
  EXPECT_EQ(
      BuildConsoleUrl("novnc", "http://127.0.0.1:6080/vnc_lite.html", kToken),
      std::string("http://127.0.0.1:6080/vnc_lite.html?path=%3Ftoken%3D") +
          kToken);
}

TEST(BuildConsoleUrlTest, NoVnc_AppendsToAnExistingPath) {
  EXPECT_EQ(
      BuildConsoleUrl("novnc", "https://h/vnc_lite.html?path=novnc", kToken),
      std::string("https://h/vnc_lite.html?path=novnc%3Ftoken%3D") + kToken);
  EXPECT_EQ(BuildConsoleUrl("novnc", "https://h/v.html?path=a%2Fb", kToken),
            std::string("https://h/v.html?path=a%2Fb%3Ftoken%3D") + kToken);
}

TEST(BuildConsoleUrlTest, NoVnc_KeepsOtherParametersAndTheFragment) {
  EXPECT_EQ(
      BuildConsoleUrl("novnc", "https://h/v.html?lang=en&resize=scale#x",
                      kToken),
      std::string("https://h/v.html?lang=en&resize=scale&path=%3Ftoken%3D") +
          kToken + "#x");
  EXPECT_EQ(
      BuildConsoleUrl("novnc", "https://h/v.html?a=1&path=p&b=2&path=q",
                      kToken),
      std::string("https://h/v.html?a=1&path=p%3Ftoken%3D") + kToken + "&b=2");
}

TEST(BuildConsoleUrlTest, OtherTypes_AppendTokenParameter) {
  EXPECT_EQ(
      BuildConsoleUrl("spice-html5", "http://127.0.0.1:6082/spice_auto.html",
                      kToken),
      std::string("http://127.0.0.1:6082/spice_auto.html?token=") + kToken);
  EXPECT_EQ(BuildConsoleUrl("serial", "ws://127.0.0.1:6083/", kToken),
            std::string("ws://127.0.0.1:6083/?token=") + kToken);
}

TEST(BuildConsoleUrlTest, OtherTypes_KeepAnExistingQuery) {
  EXPECT_EQ(BuildConsoleUrl("serial", "wss://c.example/serial?x=1", kToken),
            std::string("wss://c.example/serial?x=1&token=") + kToken);
  EXPECT_EQ(BuildConsoleUrl("spice-direct", "http://p/nova?", kToken),
            std::string("http://p/nova?token=") + kToken);
  EXPECT_EQ(BuildConsoleUrl("spice-html5", "http://p/s.html?a=b&#top", kToken),
            std::string("http://p/s.html?a=b&token=") + kToken + "#top");
}

TEST(UrlEncodingTest, QuotePlusMatchesPython) {
  EXPECT_EQ(QuotePlus("?token=abc-1"), "%3Ftoken%3Dabc-1");
  EXPECT_EQ(QuotePlus("a b/c~d_e.f"), "a+b%2Fc~d_e.f");
  EXPECT_EQ(QuotePlus("\xc3\xa9"), "%C3%A9");
}

TEST(UrlEncodingTest, PercentDecodeKeepsBrokenEscapes) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%", false), "%");
}

TEST(UrlEncodingTest, ParseQueryStringKeepsOrderAndDuplicates) {
  std::vector<QueryParam> params = ParseQueryString("a=1&&b&a=%32");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].key, "a");
  EXPECT_EQ(params[1].key, "b");
  EXPECT_EQ(params[1].value, "");
  EXPECT_EQ(params[2].value, "2");
}

TEST(UrlEncodingTest, IsValidUtf8RejectsOverlongsAndSurrogates) {
  EXPECT_TRUE(IsValidUtf8("plain \xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace porthole::controller
