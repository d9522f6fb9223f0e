// GET /servers, /servers/detail and /servers/{id}: what clients look up
// before asking for a console.

#include <set>
#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

std::set<std::string> Ids(const nlohmann::ordered_json& servers) {
  std::set<std::string> ids;
  for (const auto& server : servers) {
    ids.insert(server["id"].get<std::string>());
  }
  return ids;
}

class ServersTest : public ::testing::Test {
 protected:
  ApiFixture api_;
};

TEST_F(ServersTest, Member_SeesOnlyOwnProjectsServers) {
  HttpResponse response = api_.Call("GET", "/v2.1/servers", api_.member_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Ids(BodyOf(response)["servers"]),
            (std::set<std::string>{kServerId, kStoppedId, kPausedId,
                                   kNoGraphicsId, kDisconnectedId}));
}

TEST_F(ServersTest, Index_HasIdLinksAndNameOnly) {
  auto servers = BodyOf(
      api_.Call("GET", "/v2.1/servers?name=web", api_.member_))["servers"];
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0].size(), 3u);
  EXPECT_EQ(servers[0]["name"], "web-1");
  EXPECT_EQ(servers[0]["links"][0]["href"],
            std::string("http://api.example:8774/v2.1/servers/") + kServerId);
  EXPECT_EQ(servers[0]["links"][1]["rel"], "bookmark");
  EXPECT_EQ(servers[0]["links"][1]["href"],
            std::string("http://api.example:8774/servers/") + kServerId);
}

TEST_F(ServersTest, Admin_WithAllTenants_SeesEveryServerIncludingOrphans) {
  for (const char* query : {"?all_tenants=1", "?all_tenants", "?all_tenants=",
                            "?all_tenants=True", "?all_tenants=yes"}) {
    auto servers = BodyOf(api_.Call("GET", std::string("/v2.1/servers") + query,
                                    api_.admin_))["servers"];
    EXPECT_EQ(servers.size(), StandardServers().size()) << query;
    EXPECT_TRUE(Ids(servers).count(kOrphanId)) << query;
  }
}

// Nova lists an admin's own project unless all_tenants asks for every one.
TEST_F(ServersTest, Admin_WithoutAllTenants_SeesOwnProjectOnly) {
  for (const char* query : {"", "?all_tenants=0", "?all_tenants=false"}) {
    HttpResponse response = api_.Call(
        "GET", std::string("/v2.1/servers/detail") + query, api_.admin_);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(Ids(BodyOf(response)["servers"]),
              (std::set<std::string>{kOtherProjectId}))
        << query;  // the admin's project is kOtherProject
  }
}

TEST_F(ServersTest, AllTenants_NotABoolean_Returns400) {
  HttpResponse response =
      api_.Call("GET", "/v2.1/servers?all_tenants=maybe", api_.admin_);
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(FaultMessage(response).find("Unrecognized value 'maybe'"),
            std::string::npos);
}

TEST_F(ServersTest, AllTenants_ForANonAdmin_Returns403) {
  for (const char* path :
       {"/v2.1/servers?all_tenants=1", "/v2.1/servers/detail?all_tenants"}) {
    HttpResponse response = api_.Call("GET", path, api_.member_);
    EXPECT_EQ(response.status, 403) << path;
    EXPECT_NE(FaultMessage(response).find("get_all_tenants"), std::string::npos)
        << path;
  }
}

TEST_F(ServersTest, DefaultProject_AdoptsServersWithoutNovaMetadata) {
  ApiConfig config;
  config.default_project_id = kProject;
  ApiFixture api(AuthKind::kTokensFile, config);
  auto body = BodyOf(
      api.Call("GET", std::string("/v2.1/servers/") + kOrphanId, api.member_));
  EXPECT_EQ(body["server"]["tenant_id"], kProject);
  EXPECT_EQ(body["server"]["name"], "handmade");  // libvirt's name
}

TEST_F(ServersTest, NameFilter_IsASubstringWithOptionalAnchors) {
  auto names = [&](const std::string& query) {
    std::set<std::string> out;
    auto body =
        BodyOf(api_.Call("GET", "/v2.1/servers?name=" + query, api_.member_));
    for (const auto& server : body["servers"]) {
      out.insert(server["name"].get<std::string>());
    }
    return out;
  };
  EXPECT_EQ(names("web-1"), (std::set<std::string>{"web-1"}));
  EXPECT_EQ(names("-1"),
            (std::set<std::string>{"web-1", "stopped-1", "paused-1",
                                   "headless-1", "far-1"}));
  EXPECT_EQ(names("%5Ep"), (std::set<std::string>{"paused-1"}));  // ^p
  EXPECT_EQ(names("web%24"), (std::set<std::string>{}));          // web$
  EXPECT_EQ(names("nothing"), (std::set<std::string>{}));
}

TEST_F(ServersTest, Detail_ShowsStatusTenantAndHostOnlyForAdmins) {
  auto member = BodyOf(api_.Call("GET", "/v2.1/servers/detail?name=%5Eweb-1%24",
                                 api_.member_))["servers"];
  ASSERT_EQ(member.size(), 1u);
  EXPECT_EQ(member[0]["status"], "ACTIVE");
  EXPECT_EQ(member[0]["tenant_id"], kProject);
  EXPECT_TRUE(member[0]["user_id"].is_string());
  EXPECT_FALSE(member[0].contains("OS-EXT-SRV-ATTR:host"));

  auto admin = BodyOf(
      api_.Call("GET", "/v2.1/servers/detail?name=%5Eweb-1%24&all_tenants=1",
                api_.admin_))["servers"];
  ASSERT_EQ(admin.size(), 1u);
  EXPECT_EQ(admin[0]["OS-EXT-SRV-ATTR:host"], kHost);
  EXPECT_EQ(admin[0]["OS-EXT-SRV-ATTR:instance_name"], "instance-0000002a");
}

TEST_F(ServersTest, Show_MapsDomainStatesToNovaStatuses) {
  auto status = [&](const char* id) {
    return BodyOf(api_.Call("GET", std::string("/v2.1/servers/") + id,
                            api_.member_))["server"]["status"];
  };
  EXPECT_EQ(status(kServerId), "ACTIVE");
  EXPECT_EQ(status(kStoppedId), "SHUTOFF");
  EXPECT_EQ(status(kPausedId), "PAUSED");
  api_.directory_.Upsert(MakeServer(kStoppedId, "stopped-1", kProject,
                                    agent::v1::DOMAIN_STATE_CRASHED));
  EXPECT_EQ(status(kStoppedId), "ERROR");
}

TEST_F(ServersTest, ShowWithProjectPrefix_LinksCarryTheProject) {
  auto server = BodyOf(api_.Call(
      "GET", std::string("/v2.1/") + kProject + "/servers/" + kServerId,
      api_.member_))["server"];
  EXPECT_EQ(server["links"][0]["href"],
            std::string("http://api.example:8774/v2.1/") + kProject +
                "/servers/" + kServerId);
  EXPECT_EQ(server["links"][1]["href"],
            std::string("http://api.example:8774/") + kProject + "/servers/" +
                kServerId);
}

TEST_F(ServersTest, ShowByName_Returns404LikeNova) {
  HttpResponse response = api_.Call("GET", "/v2.1/servers/web-1", api_.member_);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultMessage(response), "Instance web-1 could not be found.");
}

TEST_F(ServersTest, ShowOtherProjectsServer_Returns404) {
  EXPECT_EQ(api_.Call("GET", std::string("/v2.1/servers/") + kOtherProjectId,
                      api_.member_)
                .status,
            404);
  EXPECT_EQ(api_.Call("GET", std::string("/v2.1/servers/") + kOtherProjectId,
                      api_.admin_)
                .status,
            200);
}

TEST_F(ServersTest, UppercaseUuid_FindsTheServer) {
  std::string upper = kServerId;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(api_.Call("GET", "/v2.1/servers/" + upper, api_.member_).status,
            200);
}

TEST_F(ServersTest, NameFilterThatIsNotUtf8_Returns400) {
  HttpResponse response =
      api_.Call("GET", "/v2.1/servers?name=%FF", api_.member_);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response), "Query string is not UTF-8 encoded");
}

TEST_F(ServersTest, NoRoles_Returns403ForTheList) {
  std::filesystem::path dir = api_.dir_;
  std::ofstream(dir / "tokens")
      << "tok-nobody nobody " << kProject << " observer\n";
  auto file = TokensFileAuthenticator::Load((dir / "tokens").string());
  ASSERT_TRUE(file.ok());
  ApiHandler handler(ApiConfig(), file->get(), &api_.directory_,
                     api_.store_.get());
  HttpRequest request;
  request.method = "GET";
  request.target = "/v2.1/servers";
  request.headers = {{"X-Auth-Token", "tok-nobody"}};
  HttpResponse response = handler.Handle(request);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FaultMessage(response),
            "Policy doesn't allow os_compute_api:servers:index to be "
            "performed.");
}

}  // namespace
}  // namespace porthole::controller::testing
