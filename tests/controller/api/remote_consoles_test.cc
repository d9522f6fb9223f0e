// Spec section 7, items 1-9: POST /servers/{id}/remote-consoles and the
// legacy console actions, at the boundary microversions, with both
// authenticators.

#include <regex>
#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

// The checklist's setup: vnc enabled, spice and serial disabled.
ApiConfig ChecklistConfig() {
  ApiConfig config;
  config.consoles.spice_enabled = false;
  config.consoles.serial_enabled = false;
  return config;
}

class RemoteConsolesTest : public ::testing::TestWithParam<AuthKind> {
 protected:
  RemoteConsolesTest() : api_(GetParam(), ChecklistConfig()) {}

  HttpResponse Post(const std::string& body,
                    const std::optional<std::string>& version = "2.6",
                    const std::string& server = kServerId) {
    return api_.Call("POST", "/v2.1/servers/" + server + "/remote-consoles",
                     api_.member_, version, body);
  }

  ApiFixture api_;
};

INSTANTIATE_TEST_SUITE_P(BothAuthenticators, RemoteConsolesTest,
                         ::testing::Values(AuthKind::kNoauth2,
                                           AuthKind::kTokensFile),
                         AuthKindName);

// Roles other than member exist only in a tokens file (noauth2 makes every
// user a member), so the policy cases run with that authenticator alone.
class RemoteConsolesRolesTest : public RemoteConsolesTest {};
INSTANTIATE_TEST_SUITE_P(TokensFile, RemoteConsolesRolesTest,
                         ::testing::Values(AuthKind::kTokensFile),
                         AuthKindName);

const std::regex kNoVncUrl(
    R"(^http://.+vnc_(auto|lite)\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$)");

// Item 1.
TEST_P(RemoteConsolesTest, NoVersionHeader_Returns404ItemNotFound) {
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", {});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultName(response), "itemNotFound");
  EXPECT_EQ(FaultMessage(response), "The resource could not be found.");
}

TEST_P(RemoteConsolesTest, At2_5_Returns404) {
  EXPECT_EQ(api_.RemoteConsole(kServerId, "vnc", "novnc", "2.5").status, 404);
}

TEST_P(RemoteConsolesTest, At2_6_Returns200WithNoVncUrl) {
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
  auto body = BodyOf(response);
  ASSERT_EQ(body.size(), 1u);
  const auto& console = body["remote_console"];
  EXPECT_EQ(console.size(), 3u);
  EXPECT_EQ(console["protocol"], "vnc");
  EXPECT_EQ(console["type"], "novnc");
  std::string url = console["url"];
  EXPECT_TRUE(std::regex_match(url, kNoVncUrl)) << url;
  EXPECT_EQ(url.rfind("http://127.0.0.1:6080/vnc_lite.html?path=", 0), 0u);
}

TEST_P(RemoteConsolesTest, AtLatest_Returns200) {
  EXPECT_EQ(api_.RemoteConsole(kServerId, "vnc", "novnc", "latest").status,
            200);
}

// Item 2.
TEST_P(RemoteConsolesTest, At2_6_SetsBothVersionHeadersAndTwoVaryLines) {
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.6");
  EXPECT_EQ(response.Header("X-OpenStack-Nova-API-Version"), "2.6");
  EXPECT_EQ(HeaderValues(response, "Vary"),
            (std::vector<std::string>{"OpenStack-API-Version",
                                      "X-OpenStack-Nova-API-Version"}));
}

TEST_P(RemoteConsolesTest, FaultAt2_6_AlsoCarriesVersionHeaders) {
  HttpResponse response = Post(R"({"remote_console": {}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.6");
  EXPECT_EQ(HeaderValues(response, "Vary").size(), 2u);
  EXPECT_EQ(response.Header("Content-Type"), "application/json; charset=UTF-8");
}

// Item 3.
TEST_P(RemoteConsolesTest, OwnProjectPrefix_Returns200) {
  HttpResponse response =
      api_.Call("POST",
                std::string("/v2.1/") + kProject + "/servers/" + kServerId +
                    "/remote-consoles",
                api_.member_, "2.6",
                R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_P(RemoteConsolesTest, OtherHexProjectPrefix_Returns400MalformedUrl) {
  HttpResponse response =
      api_.Call("POST",
                std::string("/v2.1/") + kOtherProject + "/servers/" +
                    kServerId + "/remote-consoles",
                api_.member_, "2.6",
                R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultName(response), "badRequest");
  EXPECT_EQ(FaultMessage(response),
            std::string("Malformed request URL: URL's project_id '") +
                kOtherProject + "' doesn't match Context's project_id '" +
                kProject + "'");
}

TEST_P(RemoteConsolesTest, NonHexProjectPrefix_IsUnroutedPlain404) {
  HttpResponse response = api_.Call(
      "POST",
      std::string("/v2.1/project-x/servers/") + kServerId + "/remote-consoles",
      api_.member_, "2.6",
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultName(response), "<not a fault>");
  EXPECT_FALSE(response.Header("OpenStack-API-Version").has_value());
}

// Item 4.
TEST_P(RemoteConsolesTest, UnknownType_Returns400NamingTheField) {
  HttpResponse response =
      Post(R"({"remote_console": {"protocol": "vnc", "type": "foo"}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultName(response), "badRequest");
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute type. Value: foo. 'foo' is not "
            "one of ['novnc', 'xvpvnc', 'spice-html5', 'serial', "
            "'rdp-html5']");
}

TEST_P(RemoteConsolesTest, ExtraKey_Returns400AdditionalProperties) {
  HttpResponse response = Post(
      R"({"remote_console": {"protocol": "vnc", "type": "novnc", "x": 1}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute remote_console. Value: "
            "{'protocol': 'vnc', 'type': 'novnc', 'x': 1}. Additional "
            "properties are not allowed ('x' was unexpected)");
  HttpResponse root = Post(
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}, "foo": 1})");
  EXPECT_EQ(root.status, 400);
  EXPECT_EQ(FaultMessage(root),
            "Additional properties are not allowed ('foo' was unexpected)");
}

TEST_P(RemoteConsolesTest, MissingProtocol_Returns400RequiredProperty) {
  HttpResponse response = Post(R"({"remote_console": {"type": "novnc"}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute remote_console. Value: "
            "{'type': 'novnc'}. 'protocol' is a required property");
}

TEST_P(RemoteConsolesTest, MissingContainer_Returns400AtTheRoot) {
  HttpResponse response = Post(R"({})");
  EXPECT_EQ(FaultMessage(response), "'remote_console' is a required property");
}

TEST_P(RemoteConsolesTest, EmptyBody_Returns400NoneIsNotAnObject) {
  HttpResponse response = Post("");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "None is not of type 'object'");
}

TEST_P(RemoteConsolesTest, BodyThatIsNotJson_Returns400Malformed) {
  HttpResponse response = Post("{remote_console");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Malformed request body");
}

TEST_P(RemoteConsolesTest, ProtocolOfWrongType_Returns400NotOfTypeString) {
  HttpResponse response =
      Post(R"({"remote_console": {"protocol": 5, "type": "novnc"}})");
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute protocol. Value: 5. 5 is not of "
            "type 'string'");
}

// Item 5.
TEST_P(RemoteConsolesTest, SpiceDirectAt2_98_FailsTheSchema) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "spice", "spice-direct", "2.98");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(
      FaultMessage(response).rfind(
          "Invalid input for field/attribute type. Value: spice-direct.", 0),
      0u)
      << FaultMessage(response);
}

TEST_P(RemoteConsolesTest, SpiceDirectAt2_99_SpiceDisabled_Returns400) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "spice", "spice-direct", "2.99");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Unavailable console type spice-direct.");
}

// Item 6.
TEST_P(RemoteConsolesTest, VncWithSpiceHtml5_Returns400InvalidConsoleType) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "vnc", "spice-html5", "2.6");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Invalid console type spice-html5");
}

TEST_P(RemoteConsolesTest, VncWithXvpvnc_Returns400InvalidConsoleType) {
  EXPECT_EQ(FaultMessage(api_.RemoteConsole(kServerId, "vnc", "xvpvnc", "2.6")),
            "Invalid console type xvpvnc");
}

TEST_P(RemoteConsolesTest, SerialDisabled_Returns400Unavailable) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "serial", "serial", "2.6");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Unavailable console type serial.");
}

TEST_P(RemoteConsolesTest, SpiceHtml5Disabled_Returns400Unavailable) {
  EXPECT_EQ(FaultMessage(
                api_.RemoteConsole(kServerId, "spice", "spice-html5", "2.6")),
            "Unavailable console type spice-html5.");
}

TEST_P(RemoteConsolesTest, Rdp_Returns400UnavailableRdpHtml5) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "rdp", "rdp-html5", "2.6");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultName(response), "badRequest");
  EXPECT_EQ(FaultMessage(response), "Unavailable console type rdp-html5.");
}

TEST_P(RemoteConsolesTest, MksAt2_6_FailsTheSchema) {
  HttpResponse response = api_.RemoteConsole(kServerId, "mks", "webmks", "2.6");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response).rfind(
                "Invalid input for field/attribute protocol. Value: mks.", 0),
            0u)
      << FaultMessage(response);
}

TEST_P(RemoteConsolesTest, MksAt2_8_Returns400UnavailableWebmks) {
  HttpResponse response = api_.RemoteConsole(kServerId, "mks", "webmks", "2.8");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Unavailable console type webmks.");
}

// Item 7.
TEST_P(RemoteConsolesTest, UnknownServer_Returns404InstanceNotFound) {
  HttpResponse response = api_.RemoteConsole(kUnknownId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultName(response), "itemNotFound");
  EXPECT_EQ(FaultMessage(response),
            std::string("Instance ") + kUnknownId + " could not be found.");
}

TEST_P(RemoteConsolesTest, NonUuidServerId_Returns404InstanceNotFound) {
  HttpResponse response = api_.RemoteConsole("web-1", "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultMessage(response), "Instance web-1 could not be found.");
}

TEST_P(RemoteConsolesTest, StoppedServer_Returns409NotReady) {
  HttpResponse response = api_.RemoteConsole(kStoppedId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(FaultName(response), "conflictingRequest");
  EXPECT_EQ(FaultMessage(response),
            std::string("Instance ") + kStoppedId + " is not ready");
}

TEST_P(RemoteConsolesTest, PausedServer_Returns200) {
  EXPECT_EQ(api_.RemoteConsole(kPausedId, "vnc", "novnc", "2.6").status, 200);
}

TEST_P(RemoteConsolesTest, ServerWithoutVnc_Returns400UnavailableVnc) {
  HttpResponse response =
      api_.RemoteConsole(kNoGraphicsId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Unavailable console type vnc.");
}

TEST_P(RemoteConsolesTest, UnreachableHost_Returns503WithoutHostNameForMember) {
  HttpResponse response =
      api_.RemoteConsole(kDisconnectedId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(FaultName(response), "serviceUnavailable");
  EXPECT_EQ(FaultMessage(response),
            std::string("The compute host of instance ") + kDisconnectedId +
                " is unreachable; try again later.");
}

TEST_P(RemoteConsolesTest, UnreachableHost_Returns503NamingHostForAdmin) {
  HttpResponse response =
      api_.RemoteConsole(kDisconnectedId, "vnc", "novnc", "2.6", api_.admin_);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(FaultMessage(response),
            "Compute host compute-2 is unreachable; try again later.");
}

TEST_P(RemoteConsolesTest, DomainGoneAtTheAgent_Returns404) {
  api_.directory_.FailNextGetConsole(absl::NotFoundError("no domain"));
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultMessage(response),
            std::string("Instance ") + kServerId + " could not be found.");
}

TEST_P(RemoteConsolesTest, AgentTooSlow_Returns503) {
  api_.directory_.FailNextGetConsole(absl::DeadlineExceededError("slow"));
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(FaultName(response), "serviceUnavailable");
}

TEST_P(RemoteConsolesTest, AgentBroken_Returns500WithoutItsMessage) {
  api_.directory_.FailNextGetConsole(absl::InternalError("secret detail"));
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(FaultName(response), "computeFault");
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
}

// Item 8.
TEST_P(RemoteConsolesTest, MemberOfAnotherProject_Returns404) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6", api_.other_member_);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultMessage(response),
            std::string("Instance ") + kServerId + " could not be found.");
}

TEST_P(RemoteConsolesRolesTest, ReaderOnly_Returns403PolicyMessage) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6", api_.reader_);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FaultName(response), "forbidden");
  EXPECT_EQ(FaultMessage(response),
            "Policy doesn't allow os_compute_api:os-remote-consoles to be "
            "performed.");
}

TEST_P(RemoteConsolesRolesTest, ReaderOnly_UnknownServerIs404BeforePolicy) {
  EXPECT_EQ(api_.RemoteConsole(kUnknownId, "vnc", "novnc", "2.6", api_.reader_)
                .status,
            404);
}

TEST_P(RemoteConsolesTest, SchemaIsCheckedBeforeLookup) {
  HttpResponse response =
      Post(R"({"remote_console": {"protocol": "vnc", "type": "foo"}})", "2.6",
           kUnknownId);
  EXPECT_EQ(response.status, 400);
}

TEST_P(RemoteConsolesTest, AdminOfAnotherProject_Returns200) {
  EXPECT_EQ(
      api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6", api_.admin_).status,
      200);
}

TEST_P(RemoteConsolesTest, ServerWithoutProject_IsAdminOnly) {
  EXPECT_EQ(api_.RemoteConsole(kOrphanId, "vnc", "novnc", "2.6").status, 404);
  EXPECT_EQ(
      api_.RemoteConsole(kOrphanId, "vnc", "novnc", "2.6", api_.admin_).status,
      200);
}

// Item 9.
TEST_P(RemoteConsolesTest, LegacyVncActionAt2_5_Returns200Console) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.member_, "2.5", R"({"os-getVNCConsole": {"type": "novnc"}})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = BodyOf(response);
  EXPECT_EQ(body["console"].size(), 2u);
  EXPECT_EQ(body["console"]["type"], "novnc");
  std::string url = body["console"]["url"];
  EXPECT_TRUE(std::regex_match(url, kNoVncUrl)) << url;
}

TEST_P(RemoteConsolesTest, LegacyVncActionWithoutHeader_RunsAt2_1) {
  HttpResponse response = api_.Call(
      "POST",
      std::string("/v2.1/") + kProject + "/servers/" + kServerId + "/action",
      api_.member_, std::nullopt, R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("OpenStack-API-Version"), "compute 2.1");
}

TEST_P(RemoteConsolesTest, LegacyVncActionAt2_6_Returns404) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.member_, "2.6", R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultName(response), "itemNotFound");
  EXPECT_EQ(FaultMessage(response), "The resource could not be found.");
}

TEST_P(RemoteConsolesTest, UnknownAction_Returns400NoSuchAction) {
  for (const char* version : {"2.1", "2.6"}) {
    HttpResponse response =
        api_.Call("POST", std::string("/v2.1/servers/") + kServerId + "/action",
                  api_.member_, version, R"({"os-getFoo": {}})");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(FaultMessage(response), "There is no such action: os-getFoo");
  }
}

TEST_P(RemoteConsolesTest, TwoActionKeys_Returns400MalformedBody) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.member_, "2.1",
      R"({"os-getVNCConsole": {"type": "novnc"}, "os-getSPICEConsole": {}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Malformed request body");
}

TEST_P(RemoteConsolesTest, ActionBodyNotJson_Returns400MalformedBody) {
  for (const char* body : {"", "nope", "[1, 2]", "{}"}) {
    HttpResponse response =
        api_.Call("POST", std::string("/v2.1/servers/") + kServerId + "/action",
                  api_.member_, "2.1", body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(FaultMessage(response), "Malformed request body") << body;
  }
}

TEST_P(RemoteConsolesTest, LegacyActionBadType_Returns400Schema) {
  HttpResponse response =
      api_.Call("POST", std::string("/v2.1/servers/") + kServerId + "/action",
                api_.member_, "2.1", R"({"os-getVNCConsole": {"type": "x"}})");
  EXPECT_EQ(FaultMessage(response),
            "Invalid input for field/attribute type. Value: x. 'x' is not one "
            "of ['novnc', 'xvpvnc']");
}

TEST_P(RemoteConsolesTest, LegacyXvpvnc_Returns400InvalidConsoleType) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.member_, "2.1", R"({"os-getVNCConsole": {"type": "xvpvnc"}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Invalid console type xvpvnc");
}

TEST_P(RemoteConsolesTest, LegacyRdpAction_Returns400UnavailableRdpHtml5) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.member_, "2.1", R"({"os-getRDPConsole": {"type": "rdp-html5"}})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Unavailable console type rdp-html5.");
}

TEST_P(RemoteConsolesRolesTest, LegacyAction_PolicyBeforeLookup) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kUnknownId + "/action",
      api_.reader_, "2.1", R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(response.status, 403);
}

TEST_P(RemoteConsolesTest, LegacyAction_OtherProjectsServerIs404) {
  HttpResponse response = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.other_member_, "2.1", R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(response.status, 404);
}

// The other console types, enabled (Porthole's default).
class EnabledConsolesTest : public ::testing::Test {
 protected:
  ApiFixture api_{AuthKind::kTokensFile};
};

TEST_F(EnabledConsolesTest, SpiceHtml5_ReturnsTokenQueryUrl) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "spice", "spice-html5", "2.6");
  ASSERT_EQ(response.status, 200) << response.body;
  std::string url = BodyOf(response)["remote_console"]["url"];
  EXPECT_TRUE(std::regex_match(
      url,
      std::regex(
          R"(^http://127\.0\.0\.1:6082/spice_auto\.html\?token=[0-9a-f-]{36}$)")))
      << url;
}

TEST_F(EnabledConsolesTest, SpiceDirectAt2_99_UsesSpiceDirectBase) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "spice", "spice-direct", "2.99");
  ASSERT_EQ(response.status, 200) << response.body;
  std::string url = BodyOf(response)["remote_console"]["url"];
  EXPECT_EQ(url.rfind("http://127.0.0.1:13002/nova?token=", 0), 0u) << url;
}

TEST_F(EnabledConsolesTest, Serial_ReturnsWebSocketUrl) {
  HttpResponse response =
      api_.RemoteConsole(kServerId, "serial", "serial", "2.6");
  ASSERT_EQ(response.status, 200) << response.body;
  std::string url = BodyOf(response)["remote_console"]["url"];
  EXPECT_TRUE(std::regex_match(
      url, std::regex(R"(^ws://127\.0\.0\.1:6083/\?token=[0-9a-f-]{36}$)")))
      << url;
}

TEST_F(EnabledConsolesTest, SerialWithNoVncType_Returns400InvalidConsoleType) {
  EXPECT_EQ(
      FaultMessage(api_.RemoteConsole(kServerId, "serial", "novnc", "2.6")),
      "Invalid console type novnc");
}

TEST_F(EnabledConsolesTest, LegacySpiceAndSerialActions_Return200) {
  HttpResponse spice =
      api_.Call("POST", std::string("/v2.1/servers/") + kServerId + "/action",
                api_.member_, "2.1",
                R"({"os-getSPICEConsole": {"type": "spice-html5"}})");
  EXPECT_EQ(spice.status, 200) << spice.body;
  HttpResponse serial = api_.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api_.member_, "2.1", R"({"os-getSerialConsole": {"type": "serial"}})");
  EXPECT_EQ(serial.status, 200) << serial.body;
  EXPECT_EQ(BodyOf(serial)["console"]["type"], "serial");
}

TEST_F(EnabledConsolesTest, ConfiguredNoVncBaseWithQuery_KeepsIt) {
  ApiConfig config;
  config.consoles.novncproxy_base_url =
      "https://console.example/novnc/vnc_lite.html?path=novnc&lang=en";
  ApiFixture api(AuthKind::kTokensFile, config);
  HttpResponse response = api.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  ASSERT_EQ(response.status, 200) << response.body;
  std::string url = BodyOf(response)["remote_console"]["url"];
  EXPECT_TRUE(std::regex_match(
      url,
      std::regex(
          R"(^https://console\.example/novnc/vnc_lite\.html\?path=novnc%3Ftoken%3D[0-9a-f-]{36}&lang=en$)")))
      << url;
}

// Issue 14: with the native listener, xvpvnc is a one-time credential for
// a native VNC viewer, at 2.6+ (Porthole's way) and in the legacy action.
TEST_F(EnabledConsolesTest, XvpvncWithTheNativeListener_ReturnsItsUrl) {
  ApiConfig config;
  config.consoles.xvpvnc_enabled = true;
  config.consoles.xvpvncproxy_base_url = "https://native.example:6081/console";
  ApiFixture api(AuthKind::kTokensFile, config);
  HttpResponse response = api.RemoteConsole(kServerId, "vnc", "xvpvnc", "2.6");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(BodyOf(response)["remote_console"]["type"], "xvpvnc");
  std::string url = BodyOf(response)["remote_console"]["url"];
  EXPECT_TRUE(std::regex_match(
      url,
      std::regex(
          R"(^https://native\.example:6081/console\?token=[0-9a-f-]{36}$)")))
      << url;

  HttpResponse legacy = api.Call(
      "POST", std::string("/v2.1/servers/") + kServerId + "/action",
      api.member_, "2.1", R"({"os-getVNCConsole": {"type": "xvpvnc"}})");
  ASSERT_EQ(legacy.status, 200) << legacy.body;
  EXPECT_EQ(BodyOf(legacy)["console"]["type"], "xvpvnc");
}

TEST_F(EnabledConsolesTest, VncDisabled_Returns400UnavailableNovnc) {
  ApiConfig config;
  config.consoles.vnc_enabled = false;
  ApiFixture api(AuthKind::kTokensFile, config);
  EXPECT_EQ(FaultMessage(api.RemoteConsole(kServerId, "vnc", "novnc", "2.6")),
            "Unavailable console type novnc.");
}

TEST_F(EnabledConsolesTest, RequestIdReachesTheDirectory) {
  HttpResponse response = api_.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(api_.directory_.last_request_id(),
            response.Header("x-openstack-request-id").value_or("?"));
}

}  // namespace
}  // namespace porthole::controller::testing
