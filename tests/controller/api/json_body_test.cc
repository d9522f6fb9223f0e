// ParseJsonBody: exactly one JSON value, as Python's json (and so Nova)
// reads a request body.
#include "controller/api/json_body.h"

#include <string>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

using std::string_literals::operator""s;

constexpr char kValid[] =
    R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";

TEST(ParseJsonBody, OneValueWithJsonWhitespaceAround_Parsed) {
  for (const std::string& body :
       {std::string(kValid), " \t\r\n"s + kValid + " \t\r\n", "[1]"s, "\"s\""s,
        "1"s, "null"s}) {
    EXPECT_TRUE(ParseJsonBody(body).has_value()) << body;
  }
  EXPECT_EQ((*ParseJsonBody(kValid))["remote_console"]["type"], "novnc");
}

// Issue 16 item 5: nlohmann stopped at the NUL and accepted the rest.
TEST(ParseJsonBody, NulThenMoreJsonAndGarbage_Refused) {
  EXPECT_FALSE(ParseJsonBody("{\"a\": 1}\0{\"b\": 2} garbage"s).has_value());
  EXPECT_FALSE(ParseJsonBody(kValid + "\0"s).has_value());
}

TEST(ParseJsonBody, NulAtAnyOffset_Refused) {
  const std::string valid = kValid;
  for (size_t i = 0; i <= valid.size(); ++i) {
    std::string body = valid;
    body.insert(i, 1, '\0');
    EXPECT_FALSE(ParseJsonBody(body).has_value()) << "NUL at " << i;
  }
}

TEST(ParseJsonBody, EscapedNulInAString_IsJustACharacter) {
  std::optional<Json> parsed = ParseJsonBody(R"({"a": "x\u0000y"})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ((*parsed)["a"].get<std::string>(), "x\0y"s);
}

TEST(ParseJsonBody, AnythingButWhitespaceAfterTheValue_Refused) {
  // Vertical tab, form feed and NBSP are whitespace to some parsers, not
  // to JSON.
  for (const std::string& tail :
       {"x"s, "{}"s, "]"s, "}"s, ","s, "\x0b"s, "\x0c"s, "\xc2\xa0"s, "\x01"s,
        "\xff"s, " /* c */"s, "// c"s, "\r\n\r\nGET / HTTP/1.1\r\n"s,
        std::string(kValid)}) {
    EXPECT_FALSE(ParseJsonBody(kValid + tail).has_value()) << tail;
    EXPECT_FALSE(ParseJsonBody(kValid + "  \n"s + tail).has_value()) << tail;
  }
}

TEST(ParseJsonBody, ByteOrderMark_Refused) {
  EXPECT_FALSE(ParseJsonBody("\xEF\xBB\xBF"s + kValid).has_value());
}

TEST(ParseJsonBody, EmptyOrOnlyWhitespace_Refused) {
  EXPECT_FALSE(ParseJsonBody("").has_value());
  EXPECT_FALSE(ParseJsonBody(" \r\n\t").has_value());
}

}  // namespace
}  // namespace porthole::controller
