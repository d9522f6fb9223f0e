// porthole-controller with [api] auth_strategy = keystone against a real
// Keystone (tests/support/keystone.h), and the real `openstack` CLI finding
// Porthole through Keystone's catalog with password and application
// credential auth (no --os-endpoint).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/keystone.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSpice[] = "22222222-2222-4222-8222-222222222222";
const std::regex kNoVncUrl(
    R"(http://127\.0\.0\.1:\d+/vnc_lite\.html\?path=%3Ftoken%3D[0-9a-f-]{36})");
const std::regex kSpiceUrl(
    R"(http://127\.0\.0\.1:\d+/spice_auto\.html\?token=[0-9a-f-]{36})");
const std::regex kSerialUrl(R"(ws://127\.0\.0\.1:\d+/\?token=[0-9a-f-]{36})");

std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

struct CliRun {
  int exit_code = -1;
  std::string output;
};

class KeystoneStackTest : public ::testing::Test {
 protected:
  explicit KeystoneStackTest(std::string service_password = "porthole-pw")
      : stack_(dir_.path() + "/node.xml",
               "[api]\nauth_strategy = keystone\n"
               "[keystone_authtoken]\nauth_url = " +
                   keystone_.url() +
                   "\nusername = porthole\npassword = " + service_password +
                   "\nproject_name = service\nhttp_connect_timeout = 1\n"
                   "http_request_max_retries = 1\n") {}

  // The three test domains, owned by Keystone's demo and other projects.
  void SetUp() override {
    ASSERT_TRUE(keystone_.Start()) << keystone_.log();
    const KeystoneSeed& seed = keystone_.seed();
    std::string node = WorkedExampleNodeXml();
    node = Replace(node, "bbbbbbbb-0000-4000-8000-000000000001",
                   seed.demo_project_id);
    node = Replace(node, "bbbbbbbb-0000-4000-8000-000000000002",
                   seed.other_project_id);
    WriteFile(dir_.path() + "/node.xml", node);
  }

  void StartStack() {
    stack_.set_ready_token(keystone_.AdminToken());
    ASSERT_TRUE(stack_.Start()) << stack_.ControllerLog();
    ASSERT_TRUE(keystone_.SetComputePort(stack_.api_port()));
  }

  HttpReply Api(const std::string& method, const std::string& target,
                const std::string& token, const std::string& version = "",
                const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"X-Auth-Token", token}, {"Content-Type", "application/json"}};
    if (!version.empty()) {
      headers.emplace_back("OpenStack-API-Version", "compute " + version);
    }
    return HttpCall(stack_.api_port(), method, target, headers, body);
  }

  std::string Alice() {
    return keystone_.Token("alice", "alice-pw",
                           keystone_.seed().demo_project_id);
  }

  TempDir dir_;
  Keystone keystone_{/*compute_port=*/1};
  ControllerStack stack_;
};

TEST_F(KeystoneStackTest, GarbageOrMissingToken_Is401WithWwwAuthenticate) {
  StartStack();
  for (const std::string& token : {std::string("garbage"), std::string()}) {
    HttpReply r = Api("GET", "/v2.1/servers", token);
    EXPECT_EQ(r.status, 401) << r.body;
    // www_authenticate_uri is not set: auth_url stands in, as Porthole's
    // documented fallback.
    EXPECT_EQ(r.Header("WWW-Authenticate"),
              "Keystone uri=\"" + keystone_.url() + "\"");
    nlohmann::json error = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_EQ(error["error"]["title"], "Unauthorized") << r.body;
  }
}

TEST_F(KeystoneStackTest, ValidToken_SeesItsProjectsServersOnly) {
  StartStack();
  HttpReply r = Api("GET", "/v2.1/servers", Alice());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(kVnc), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(kSpice), std::string::npos) << r.body;
}

TEST_F(KeystoneStackTest, KeystoneStopped_Is503InNovasShape_ThenRecovers) {
  StartStack();
  const std::string token = Alice();
  keystone_.Stop();
  const auto start = std::chrono::steady_clock::now();
  HttpReply down = Api("GET", "/v2.1/servers", token);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(down.status, 503) << down.body;
  nlohmann::json fault = nlohmann::json::parse(down.body, nullptr, false);
  ASSERT_TRUE(fault.contains("serviceUnavailable")) << down.body;
  EXPECT_EQ(fault["serviceUnavailable"]["code"], 503);
  EXPECT_LT(took, std::chrono::milliseconds(2500));  // 1 s x 2 attempts
  EXPECT_NE(stack_.ControllerLog().find("Keystone unreachable"),
            std::string::npos);

  ASSERT_TRUE(keystone_.Start()) << keystone_.log();
  EXPECT_EQ(Api("GET", "/v2.1/servers", token).status, 200);
}

TEST_F(KeystoneStackTest, AdminReadsConsoleAuthTokens_MemberIsRefused) {
  StartStack();
  HttpReply issued =
      Api("POST", "/v2.1/servers/" + std::string(kVnc) + "/remote-consoles",
          Alice(), "2.6",
          R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string url =
      nlohmann::json::parse(issued.body)["remote_console"]["url"]
          .get<std::string>();
  const std::string token = url.substr(url.size() - 36);
  HttpReply admin = Api("GET", "/v2.1/os-console-auth-tokens/" + token,
                        keystone_.AdminToken(), "2.31");
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_NE(admin.body.find(kVnc), std::string::npos) << admin.body;
  HttpReply member =
      Api("GET", "/v2.1/os-console-auth-tokens/" + token, Alice(), "2.31");
  EXPECT_EQ(member.status, 403) << member.body;
}

class WrongServicePasswordTest : public KeystoneStackTest {
 protected:
  WrongServicePasswordTest() : KeystoneStackTest("wrong-password") {}
};

TEST_F(WrongServicePasswordTest, StartupLogNamesTheUser_RequestsGet503) {
  stack_.set_ready_token("");  // it cannot list servers: wait for the port
  ASSERT_TRUE(stack_.StartAgent());
  ASSERT_TRUE(stack_.StartController()) << stack_.ControllerLog();
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack_.ControllerLog().find("service user 'porthole'") !=
               std::string::npos;
      },
      std::chrono::seconds(10)))
      << stack_.ControllerLog();
  // A good user token is not the user's fault: 503, not 401.
  HttpReply r = Api("GET", "/v2.1/servers", Alice());
  EXPECT_EQ(r.status, 503) << r.body;
}

// The real openstack CLI, password auth through Keystone's catalog.
class KeystoneCliTest : public KeystoneStackTest {
 protected:
  CliRun Openstack(const std::vector<std::string>& args,
                   std::vector<std::string> auth) {
    std::vector<std::string> argv = {"openstack"};
    argv.insert(argv.end(), args.begin(), args.end());
    auth.push_back("OS_AUTH_URL=" + keystone_.url());
    auth.push_back("OS_IDENTITY_API_VERSION=3");
    auth.push_back("OS_REGION_NAME=RegionOne");
    const std::string log =
        stack_.dir() + "/cli-" + std::to_string(++runs_) + ".log";
    ChildProcess cli(argv, auth, log);
    std::optional<int> status = cli.Wait(std::chrono::seconds(60));
    CliRun run;
    if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
    run.output = ReadFile(log);
    return run;
  }

  static std::vector<std::string> PasswordOf(const std::string& user,
                                             const std::string& project) {
    return {"OS_AUTH_TYPE=password",       "OS_USERNAME=" + user,
            "OS_PASSWORD=" + user + "-pw", "OS_PROJECT_NAME=" + project,
            "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_NAME=Default"};
  }

  int runs_ = 0;
};

TEST_F(KeystoneCliTest, ConsoleUrlShow_EveryType_ByNameAndId_At21And26) {
  StartStack();
  struct Case {
    std::vector<std::string> args;
    std::string user, project;
    const std::regex* url;
  };
  const std::vector<std::string> v21 = {"--os-compute-api-version", "2.1"};
  const std::vector<std::string> v26 = {"--os-compute-api-version", "2.6"};
  auto with = [](std::vector<std::string> version,
                 std::vector<std::string> rest) {
    version.insert(version.end(), rest.begin(), rest.end());
    return version;
  };
  const std::vector<Case> cases = {
      {{"console", "url", "show", "--novnc", "vm-vnc"},
       "alice",
       "demo",
       &kNoVncUrl},
      {with(v21, {"console", "url", "show", "--novnc", kVnc}), "alice", "demo",
       &kNoVncUrl},
      {with(v26, {"console", "url", "show", "--novnc", "vm-vnc"}), "alice",
       "demo", &kNoVncUrl},
      {{"console", "url", "show", "--serial", kVnc},
       "alice",
       "demo",
       &kSerialUrl},
      {with(v21, {"console", "url", "show", "--serial", "vm-vnc"}), "alice",
       "demo", &kSerialUrl},
      {with(v26, {"console", "url", "show", "--serial", kVnc}), "alice", "demo",
       &kSerialUrl},
      {{"console", "url", "show", "--spice", "vm-spice"},
       "bob",
       "other",
       &kSpiceUrl},
      {with(v21, {"console", "url", "show", "--spice", kSpice}), "bob", "other",
       &kSpiceUrl},
      {with(v26, {"console", "url", "show", "--spice", "vm-spice"}), "bob",
       "other", &kSpiceUrl},
  };
  for (const Case& c : cases) {
    CliRun run = Openstack(c.args, PasswordOf(c.user, c.project));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_TRUE(std::regex_search(run.output, *c.url)) << run.output;
  }
}

TEST_F(KeystoneCliTest, Reader_IsRefusedAsNovaRefuses) {
  StartStack();
  CliRun run = Openstack({"console", "url", "show", "--novnc", "vm-vnc"},
                         PasswordOf("rita", "demo"));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("Policy doesn't allow "
                            "os_compute_api:os-remote-consoles to be "
                            "performed."),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("403"), std::string::npos) << run.output;
}

TEST_F(KeystoneCliTest, OtherProjectsServer_IsNotFound) {
  StartStack();
  CliRun by_name = Openstack({"console", "url", "show", "--spice", "vm-spice"},
                             PasswordOf("alice", "demo"));
  EXPECT_NE(by_name.exit_code, 0);
  EXPECT_NE(by_name.output.find("No Server found for vm-spice"),
            std::string::npos)
      << by_name.output;
  CliRun by_id = Openstack({"console", "url", "show", "--spice", kSpice},
                           PasswordOf("alice", "demo"));
  EXPECT_NE(by_id.exit_code, 0);
  EXPECT_NE(by_id.output.find("No Server found"), std::string::npos)
      << by_id.output;
}

TEST_F(KeystoneCliTest, ApplicationCredential_Works) {
  StartStack();
  const KeystoneSeed& seed = keystone_.seed();
  CliRun run = Openstack(
      {"console", "url", "show", "--novnc", "vm-vnc"},
      {"OS_AUTH_TYPE=v3applicationcredential",
       "OS_APPLICATION_CREDENTIAL_ID=" + seed.app_credential_id,
       "OS_APPLICATION_CREDENTIAL_SECRET=" + seed.app_credential_secret});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, kNoVncUrl)) << run.output;
}

}  // namespace
}  // namespace porthole::testing
