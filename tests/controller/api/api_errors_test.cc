// The layers around the routes: auth (401), routing (bare 404), media type
// (415), removed APIs (410), request ids and the access log.

#include <regex>
#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"
#include "tests/support/stderr_capture.h"

namespace porthole::controller::testing {
namespace {

class ApiErrorsTest : public ::testing::TestWithParam<AuthKind> {
 protected:
  ApiErrorsTest() : api_(GetParam()) {}
  ApiFixture api_;
};

INSTANTIATE_TEST_SUITE_P(BothAuthenticators, ApiErrorsTest,
                         ::testing::Values(AuthKind::kNoauth2,
                                           AuthKind::kTokensFile),
                         AuthKindName);

TEST_P(ApiErrorsTest, MissingToken_Returns401InKeystoneShape) {
  HttpResponse response = api_.Call("GET", "/v2.1/servers", "", "2.6");
  EXPECT_EQ(response.status, 401);
  auto body = BodyOf(response);
  EXPECT_EQ(body["error"]["code"], 401);
  EXPECT_EQ(body["error"]["title"], "Unauthorized");
  EXPECT_EQ(body["error"]["message"],
            "The request you have made requires authentication.");
  EXPECT_EQ(response.Header("WWW-Authenticate"), "Keystone uri=\"\"");
  EXPECT_FALSE(response.Header("OpenStack-API-Version").has_value());
}

TEST_P(ApiErrorsTest, UnknownToken_Returns401) {
  if (GetParam() == AuthKind::kNoauth2) {
    // noauth2 takes any non-empty token; only an empty user fails.
    EXPECT_EQ(api_.Call("GET", "/v2.1/servers", ":p").status, 401);
  } else {
    EXPECT_EQ(api_.Call("GET", "/v2.1/servers", "tok-nope").status, 401);
  }
}

TEST_P(ApiErrorsTest, UnroutedPath_IsAuthenticatedFirst) {
  EXPECT_EQ(api_.Call("GET", "/v2.1/flavors", "").status, 401);
}

TEST_P(ApiErrorsTest, UnroutedMethod_ReturnsBarePlain404) {
  HttpResponse response = api_.Call(
      "GET", std::string("/v2.1/servers/") + kServerId + "/remote-consoles",
      api_.member_, "2.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(response.body,
            "404 Not Found\n\nThe resource could not be found.\n\n   ");
  EXPECT_FALSE(response.Header("OpenStack-API-Version").has_value());
}

TEST_P(ApiErrorsTest, UnroutedPathWithJsonAccept_ReturnsWebObJson) {
  HttpResponse response =
      api_.Call("GET", "/v2.1/flavors", api_.member_, std::nullopt, "",
                {{"Accept", "application/json"}});
  EXPECT_EQ(response.status, 404);
  auto body = BodyOf(response);
  EXPECT_EQ(body["code"], "404 Not Found");
  EXPECT_EQ(body["title"], "Not Found");
  EXPECT_EQ(body["message"],
            "The resource could not be found.<br /><br />\n\n\n");
}

TEST_P(ApiErrorsTest, UnsupportedContentType_Returns415WithVersionHeaders) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/remote-consoles",
      api_.member_, "2.6", "<xml/>", {{"Content-Type", "application/xml"}});
  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(FaultName(response), "badMediaType");
  EXPECT_EQ(FaultMessage(response), "Unsupported Content-Type");
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.6");
}

TEST_P(ApiErrorsTest, AcceptedContentTypes_PassTheCheck) {
  for (const char* type : {"text/plain", "application/json; charset=UTF-8",
                           "application/vnd.openstack.compute+json", ""}) {
    HttpRequest request;
    request.method = "POST";
    request.target =
        std::string("/v2.1/servers/") + kServerId + "/remote-consoles";
    request.headers = {{"X-Auth-Token", api_.member_},
                       {"OpenStack-API-Version", "compute 2.6"},
                       {"Content-Type", type}};
    request.body =
        R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
    EXPECT_EQ(api_.handler_->Handle(request).status, 200) << type;
  }
}

TEST_P(ApiErrorsTest, RemovedConsolesApi_Returns410ComputeFault) {
  for (const char* method : {"GET", "POST"}) {
    HttpResponse response = api_.Call(
        method, std::string("/v2.1/servers/") + kServerId + "/consoles",
        api_.member_, "2.6");
    EXPECT_EQ(response.status, 410);
    EXPECT_EQ(FaultName(response), "computeFault");
    EXPECT_EQ(FaultMessage(response),
              "This resource is no longer available.  No forwarding address "
              "is given.");
  }
  EXPECT_EQ(api_.Call("DELETE",
                      std::string("/v2.1/servers/") + kServerId + "/consoles/1",
                      api_.member_)
                .status,
            410);
}

TEST_P(ApiErrorsTest, EveryResponse_CarriesAFreshRequestId) {
  const std::regex id(
      R"(^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$)");
  HttpResponse first = api_.Call("GET", "/", "");
  HttpResponse second = api_.Call("GET", "/v2.1/servers", "");
  for (const HttpResponse* response : {&first, &second}) {
    std::string value = response->Header("x-openstack-request-id").value_or("");
    EXPECT_TRUE(std::regex_match(value, id)) << value;
    EXPECT_EQ(response->Header("X-Compute-Request-Id"), value);
  }
  EXPECT_NE(first.Header("x-openstack-request-id"),
            second.Header("x-openstack-request-id"));
}

TEST_P(ApiErrorsTest, Faults_AreJsonWithCharset_SuccessesWithout) {
  HttpResponse fault = api_.Call("GET", "/v2.1/servers/nope", api_.member_);
  EXPECT_EQ(fault.Header("Content-Type"), "application/json; charset=UTF-8");
  HttpResponse ok = api_.Call("GET", "/v2.1/servers", api_.member_);
  EXPECT_EQ(ok.Header("Content-Type"), "application/json");
}

TEST_P(ApiErrorsTest, Logs_NeverContainConsoleTokensButCarryRequestIds) {
  porthole::testing::StderrCapture capture;
  HttpResponse issued = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  std::string token = TokenOf(BodyOf(issued)["remote_console"]["url"]);
  HttpResponse shown =
      api_.Call("GET", "/v2.1/os-console-auth-tokens/" + token + "?a=" + token,
                api_.admin_, "2.31");
  // A percent-encoded route name reaches the same handler; still redacted.
  api_.Call("GET", "/v2.1/os-console-auth%2Dtokens/" + token, api_.admin_,
            "2.31");
  std::string log = capture.Read();
  ASSERT_EQ(token.size(), 36u);
  EXPECT_EQ(log.find(token), std::string::npos) << log;
  EXPECT_EQ(log.find(api_.admin_), std::string::npos);  // nor API tokens
  EXPECT_NE(log.find("os-console-auth-tokens/***"), std::string::npos) << log;
  EXPECT_NE(log.find(*issued.Header("x-openstack-request-id")),
            std::string::npos);
  EXPECT_NE(log.find(*shown.Header("x-openstack-request-id")),
            std::string::npos);
  EXPECT_NE(log.find("console issued"), std::string::npos);
}

}  // namespace
}  // namespace porthole::controller::testing
