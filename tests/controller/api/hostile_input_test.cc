// Bodies, headers and names an attacker (or a broken client, or a hostile
// domain name) may send: the API answers a Nova fault, never crashes, and
// never writes invalid UTF-8.

#include <string>

#include "api_test_support.h"
#include "common/text.h"
#include "common/url_encoding.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

class HostileInputTest : public ::testing::Test {
 protected:
  HttpResponse PostConsole(const std::string& body) {
    return api_.Call(
        "POST", std::string("/v2.1/servers/") + kServerId + "/remote-consoles",
        api_.member_, "2.6", body);
  }
  ApiFixture api_;
};

TEST_F(HostileInputTest, EmptyBody_Returns400) {
  EXPECT_EQ(FaultMessage(PostConsole("")), "None is not of type 'object'");
}

TEST_F(HostileInputTest, BodyOverTheLimit_Returns413OverLimit) {
  std::string body(1 << 20, ' ');
  body.replace(0, 2, "{}");
  HttpResponse response = PostConsole(body);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(FaultName(response), "overLimit");
  EXPECT_EQ(FaultMessage(response), "Request is too large.");
}

TEST_F(HostileInputTest, BodyOverTheLimit_Returns413EvenWithoutToken) {
  EXPECT_EQ(api_.Call("POST", "/v2.1/servers/x/action", "", std::nullopt,
                      std::string(kDefaultMaxBodyBytes + 1, 'x'))
                .status,
            413);
}

TEST_F(HostileInputTest, BodyAtTheLimit_IsParsed) {
  std::string body =
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
  body.resize(kDefaultMaxBodyBytes, ' ');
  EXPECT_EQ(PostConsole(body).status, 200);
}

TEST_F(HostileInputTest, HundredDeepNesting_Returns400Malformed) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  HttpResponse response = PostConsole(deep);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Malformed request body");
  std::string deep_objects;
  for (int i = 0; i < 100; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(100, '}');
  EXPECT_EQ(FaultMessage(PostConsole(deep_objects)), "Malformed request body");
  EXPECT_EQ(
      api_.Call("POST", std::string("/v2.1/servers/") + kServerId + "/action",
                api_.member_, "2.1", deep)
          .status,
      400);
}

TEST_F(HostileInputTest, BracketsInsideStrings_DoNotCountAsNesting) {
  std::string body = R"({"remote_console": {"protocol": "vnc", "type": "novnc"},
                         "x": ")" +
                     std::string(100, '[') + R"("})";
  EXPECT_EQ(FaultMessage(PostConsole(body)),
            "Additional properties are not allowed ('x' was unexpected)");
}

TEST_F(HostileInputTest, InvalidUtf8InBody_Returns400Malformed) {
  EXPECT_EQ(FaultMessage(PostConsole(
                "{\"remote_console\": {\"protocol\": \"v\xc3\x28\"}}")),
            "Malformed request body");
}

TEST_F(HostileInputTest, ControlCharactersInValues_AreEscapedInTheMessage) {
  HttpResponse response = PostConsole(
      R"({"remote_console": {"protocol": "vnc", "type": "a\u0000b\n"}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(IsValidUtf8(response.body));
  EXPECT_EQ(response.body.find('\n'), std::string::npos);
  EXPECT_TRUE(BodyOf(response).is_object());
}

TEST_F(HostileInputTest, InvalidUtf8ServerName_NeverAppearsRaw) {
  api_.directory_.Upsert(
      MakeServer(kServerId, std::string("bad\xc2name\xff"), kProject));
  HttpResponse response =
      api_.Call("GET", "/v2.1/servers/detail", api_.member_);
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(IsValidUtf8(response.body));
  EXPECT_EQ(response.body.find("\xc2n"), std::string::npos);
  EXPECT_NE(response.body.find("bad\xef\xbf\xbdname\xef\xbf\xbd"),
            std::string::npos);
}

TEST_F(HostileInputTest, InvalidUtf8InPathAndHeaders_GetsAFault) {
  HttpResponse response = api_.Call(
      "POST", "/v2.1/servers/%ff%fe/remote-consoles", api_.member_, "2.6",
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})",
      {{"X-OpenStack-Nova-API-Version", "\xff"}});
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(IsValidUtf8(response.body));
  HttpResponse bad_version =
      api_.Call("GET", "/v2.1/servers", api_.member_, "2.\xff\xfe");
  EXPECT_EQ(bad_version.status, 400);
  EXPECT_TRUE(IsValidUtf8(bad_version.body));
}

TEST_F(HostileInputTest, UnknownActionNameWithQuotes_IsEchoedSafely) {
  HttpResponse response =
      api_.Call("POST", std::string("/v2.1/servers/") + kServerId + "/action",
                api_.member_, "2.1", R"({"os-\"evil\"</script>": {}})");
  EXPECT_EQ(FaultMessage(response),
            "There is no such action: os-\"evil\"</script>");
}

TEST_F(HostileInputTest, HugeVersionNumber_Is406NotAnOverflow) {
  HttpResponse response =
      api_.Call("GET", "/v2.1/servers", api_.member_, "2.99999999999999999999");
  EXPECT_EQ(response.status, 406);
  EXPECT_EQ(response.Header("OpenStack-API-Version"),
            "compute 2.99999999999999999999");
}

TEST_F(HostileInputTest, WeirdTargets_NeverCrash) {
  for (const char* target :
       {"", "*", "//", "/v2.1//servers", "/v2.1/servers/%", "/v2.1/%2e%2e/",
        "/v2.1/servers/../os-console-auth-tokens/x", "/v2.1?", "/v2.1/?x=%zz",
        "http://example.com/v2.1/servers", "/v2.10/servers", "/v2.1x"}) {
    HttpResponse response = api_.Call("GET", target, api_.member_);
    EXPECT_GE(response.status, 200) << target;
    EXPECT_TRUE(IsValidUtf8(response.body)) << target;
  }
}

}  // namespace
}  // namespace porthole::controller::testing
