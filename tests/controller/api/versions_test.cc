// Spec section 7, items 10-11: microversion negotiation and version
// discovery, plus the legacy /v2 mount and the root app's 300.

#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

class VersionsTest : public ::testing::Test {
 protected:
  HttpResponse ListWith(HttpHeaders headers) {
    return api_.Call("GET", "/v2.1/servers", api_.member_, std::nullopt, "",
                     std::move(headers));
  }
  ApiFixture api_;
};

// Item 10.
TEST_F(VersionsTest, Latest_EchoesTheMaximum) {
  HttpResponse response =
      ListWith({{"OpenStack-API-Version", "compute latest"}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.104");
  EXPECT_EQ(response.Header("X-OpenStack-Nova-API-Version"), "2.104");
}

TEST_F(VersionsTest, NoHeader_Is2_1) {
  EXPECT_EQ(ListWith({}).Header("OpenStack-API-Version"), "compute 2.1");
}

TEST_F(VersionsTest, BadFormat_Returns400WithoutVersionHeaders) {
  for (const char* bad : {"2.01", "2", "v2.6", "Latest", "2.6.1", ""}) {
    HttpResponse response = ListWith({{"X-OpenStack-Nova-API-Version", bad}});
    EXPECT_EQ(response.status, 400) << bad;
    EXPECT_EQ(FaultName(response), "badRequest");
    EXPECT_EQ(FaultMessage(response),
              std::string("API Version String ") + bad +
                  " is of invalid format. Must be of format "
                  "MajorNum.MinorNum.");
    EXPECT_FALSE(response.Header("OpenStack-API-Version").has_value());
    EXPECT_TRUE(HeaderValues(response, "Vary").empty());
  }
}

TEST_F(VersionsTest, OutOfRange_Returns406EchoingTheRequestedVersion) {
  for (const char* version : {"3.0", "2.0", "2.105"}) {
    HttpResponse response = ListWith(
        {{"OpenStack-API-Version", std::string("compute ") + version}});
    EXPECT_EQ(response.status, 406) << version;
    EXPECT_EQ(FaultName(response), "computeFault");
    EXPECT_EQ(FaultMessage(response),
              std::string("Version ") + version +
                  " is not supported by the API. Minimum is 2.1 and maximum "
                  "is 2.104.");
    EXPECT_EQ(response.Header("OpenStack-API-Version"),
              std::string("compute ") + version);
    EXPECT_EQ(response.Header("X-OpenStack-Nova-API-Version"), version);
    EXPECT_EQ(HeaderValues(response, "Vary").size(), 2u);
  }
}

TEST_F(VersionsTest, BothHeaders_StandardOneWins) {
  HttpResponse response = ListWith({{"X-OpenStack-Nova-API-Version", "2.10"},
                                    {"OpenStack-API-Version", "compute 2.31"}});
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.31");
}

TEST_F(VersionsTest, LegacyHeaderAlone_IsUsed) {
  EXPECT_EQ(ListWith({{"X-OpenStack-Nova-API-Version", "2.27"}})
                .Header("X-OpenStack-Nova-API-Version"),
            "2.27");
}

TEST_F(VersionsTest, StandardHeaderForOtherServiceOnly_FallsBackToLegacy) {
  EXPECT_EQ(ListWith({{"OpenStack-API-Version", "volume 3.5"},
                      {"X-OpenStack-Nova-API-Version", "2.8"}})
                .Header("OpenStack-API-Version"),
            "compute 2.8");
}

// Item 11.
TEST_F(VersionsTest, Root_ListsBothVersionsWithoutAuthOrVersionHeaders) {
  HttpResponse response = api_.Call("GET", "/", "");
  ASSERT_EQ(response.status, 200);
  EXPECT_FALSE(response.Header("OpenStack-API-Version").has_value());
  EXPECT_TRUE(HeaderValues(response, "Vary").empty());
  auto versions = BodyOf(response)["versions"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["id"], "v2.0");
  EXPECT_EQ(versions[0]["status"], "DEPRECATED");
  EXPECT_EQ(versions[0]["links"][0]["href"], "http://api.example:8774/v2/");
  EXPECT_EQ(versions[1]["id"], "v2.1");
  EXPECT_EQ(versions[1]["status"], "CURRENT");
  EXPECT_EQ(versions[1]["version"], "2.104");
  EXPECT_EQ(versions[1]["min_version"], "2.1");
  EXPECT_EQ(versions[1]["links"][0]["href"], "http://api.example:8774/v2.1/");
}

TEST_F(VersionsTest, V21Document_WithoutAuth_HasVersionHeaders) {
  for (const char* path : {"/v2.1", "/v2.1/"}) {
    HttpResponse response = api_.Call("GET", path, "");
    ASSERT_EQ(response.status, 200) << path;
    EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.1");
    EXPECT_EQ(HeaderValues(response, "Vary").size(), 2u);
    auto version = BodyOf(response)["version"];
    EXPECT_EQ(version["id"], "v2.1");
    EXPECT_EQ(version["min_version"], "2.1");
    EXPECT_EQ(version["version"], "2.104");
    ASSERT_EQ(version["links"].size(), 2u);
    EXPECT_EQ(version["links"][0]["rel"], "self");
    EXPECT_EQ(version["links"][0]["href"], "http://api.example:8774/v2.1/");
    EXPECT_EQ(version["links"][1]["rel"], "describedby");
    EXPECT_EQ(version["media-types"][0]["type"],
              "application/vnd.openstack.compute+json;version=2.1");
  }
}

TEST_F(VersionsTest, V21Document_EchoesTheAskedVersion) {
  HttpResponse response = api_.Call("GET", "/v2.1/", "", "2.6");
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.6");
}

TEST_F(VersionsTest, ProjectRoot_NeedsAuthAndReturnsTheDocument) {
  std::string path = std::string("/v2.1/") + kProject + "/";
  EXPECT_EQ(api_.Call("GET", path, "").status, 401);
  HttpResponse response = api_.Call("GET", path, api_.member_);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyOf(response)["version"]["id"], "v2.1");
}

TEST_F(VersionsTest, VersionShow_ReturnsEitherDocumentOr404) {
  EXPECT_EQ(BodyOf(api_.Call("GET", "/v2.1/versions/v2.0",
                             api_.member_))["version"]["id"],
            "v2.0");
  HttpResponse missing = api_.Call("GET", "/v2.1/versions/v9", api_.member_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(FaultName(missing), "itemNotFound");
}

TEST_F(VersionsTest, LegacyV2Mount_RunsAt2_1WithoutVersionHeaders) {
  HttpResponse document = api_.Call("GET", "/v2", "");
  EXPECT_EQ(BodyOf(document)["version"]["id"], "v2.0");
  EXPECT_FALSE(document.Header("OpenStack-API-Version").has_value());

  // Legacy actions work there even when a client asks for 2.6.
  HttpResponse action = api_.Call(
      "POST",
      std::string("/v2/") + kProject + "/servers/" + kServerId + "/action",
      api_.member_, "2.6", R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(action.status, 200) << action.body;
  EXPECT_FALSE(action.Header("OpenStack-API-Version").has_value());
  EXPECT_FALSE(action.Header("X-OpenStack-Nova-API-Version").has_value());
  EXPECT_TRUE(HeaderValues(action, "Vary").empty());
  // ... and a bad version header is ignored, not a 400.
  EXPECT_EQ(api_.Call("GET", "/v2/servers", api_.member_, "2.01").status, 200);
}

TEST_F(VersionsTest, OtherRootPath_Returns300Choices) {
  HttpResponse response = api_.Call("GET", "/servers", "");
  EXPECT_EQ(response.status, 300);
  auto choices = BodyOf(response)["choices"];
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_EQ(choices[0]["links"][0]["href"],
            "http://api.example:8774/v2/servers");
  EXPECT_EQ(choices[1]["links"][0]["href"],
            "http://api.example:8774/v2.1/servers");
}

TEST_F(VersionsTest, ConfiguredLinkPrefix_ReplacesHost) {
  ApiConfig config;
  config.compute_link_prefix = "https://compute.example.org/";
  ApiFixture api(AuthKind::kTokensFile, config);
  auto body = BodyOf(api.Call("GET", "/v2.1", ""));
  EXPECT_EQ(body["version"]["links"][0]["href"],
            "https://compute.example.org/v2.1/");
}

TEST_F(VersionsTest, HostileHostHeader_FallsBackToLocalhost) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/";
  request.headers = {{"Host", "evil.example/\"><script>"}};
  HttpResponse response = api_.handler_->Handle(request);
  EXPECT_EQ(BodyOf(response)["versions"][1]["links"][0]["href"],
            "http://localhost/v2.1/");
}

}  // namespace
}  // namespace porthole::controller::testing
