// porthole-controller as deployed: the real binaries (controller + agent on a
// libvirt test-driver host), real SQLite, real HTTP. Contract checks at the
// boundary microversions, faults, and restarts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/loopback.h"
#include "tests/support/notify_socket.h"
#include "tests/support/nova_reply.h"
#include "tests/support/proc_status.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSpice[] = "22222222-2222-4222-8222-222222222222";
constexpr char kOff[] = "33333333-3333-4333-8333-333333333333";

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers As(const std::string& token, const std::string& version = "") {
  Headers h = {{"X-Auth-Token", token}, {"Content-Type", "application/json"}};
  if (!version.empty())
    h.emplace_back("OpenStack-API-Version", "compute " + version);
  return h;
}

std::string RemoteConsole(const std::string& protocol,
                          const std::string& type) {
  return R"({"remote_console": {"protocol": ")" + protocol + R"(", "type": ")" +
         type + R"("}})";
}

class ControllerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stack_.Start()) << stack_.ControllerLog() << stack_.AgentLog();
  }

  HttpReply Post(const std::string& path, const std::string& body,
                 const Headers& headers) {
    return HttpCall(stack_.api_port(), "POST", path, headers, body);
  }

  std::string IssueVncToken() {
    HttpReply r =
        Post(std::string("/v2.1/servers/") + kVnc + "/remote-consoles",
             RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"));
    EXPECT_EQ(r.status, 200) << r.body;
    auto json = nlohmann::json::parse(r.body, nullptr, false);
    return json.is_discarded() ? ""
                               : ConsoleTokenOf(json["remote_console"]["url"]);
  }

  ControllerStack stack_;
};

TEST_F(ControllerProcessTest, Discovery_RootHasNoVersionHeaders_V21Has) {
  HttpReply root = HttpCall(stack_.api_port(), "GET", "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_FALSE(root.Header("OpenStack-API-Version").has_value());
  auto versions = nlohmann::json::parse(root.body);
  EXPECT_EQ(versions["versions"][1]["id"], "v2.1");
  EXPECT_EQ(versions["versions"][1]["version"], "2.104");
  for (const char* path : {"/v2.1", "/v2.1/"}) {
    HttpReply v21 = HttpCall(stack_.api_port(), "GET", path);
    EXPECT_EQ(v21.status, 200) << path;
    EXPECT_EQ(v21.Header("OpenStack-API-Version"), "compute 2.1");
    EXPECT_EQ(nlohmann::json::parse(v21.body)["version"]["min_version"], "2.1");
  }
}

TEST_F(ControllerProcessTest, RemoteConsoles_At26_IssuesUrlWithVersionHeaders) {
  HttpReply r = Post(std::string("/v2.1/servers/") + kVnc + "/remote-consoles",
                     RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["remote_console"]["protocol"], "vnc");
  EXPECT_EQ(body["remote_console"]["type"], "novnc");
  EXPECT_TRUE(std::regex_match(
      body["remote_console"]["url"].get<std::string>(),
      std::regex(
          R"(^http://127\.0\.0\.1:\d+/vnc_lite\.html\?path=%3Ftoken%3D[0-9a-f-]{36}$)")));
  EXPECT_EQ(r.Header("OpenStack-API-Version"), "compute 2.6");
  EXPECT_EQ(r.Header("X-OpenStack-Nova-API-Version"), "2.6");
  EXPECT_EQ(r.Headers("Vary"),
            (std::vector<std::string>{"OpenStack-API-Version",
                                      "X-OpenStack-Nova-API-Version"}));
  const std::string request_id =
      r.Header("x-openstack-request-id").value_or("?");
  EXPECT_TRUE(std::regex_match(request_id, std::regex("req-[0-9a-f-]{36}")));
  EXPECT_EQ(r.Header("X-Compute-Request-Id"), request_id);
  // The request id reaches the agent's log through gRPC metadata.
  EXPECT_NE(stack_.AgentLog().find("request_id=" + request_id),
            std::string::npos);
  // With the project prefix, and a foreign project prefix.
  HttpReply prefixed =
      Post(std::string("/v2.1/") + kAliceProject + "/servers/" + kVnc +
               "/remote-consoles",
           RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"));
  EXPECT_EQ(prefixed.status, 200);
  HttpReply foreign =
      Post(std::string("/v2.1/abcdef/servers/") + kVnc + "/remote-consoles",
           RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"));
  EXPECT_EQ(foreign.status, 400);
  EXPECT_EQ(
      FaultMessageOf(foreign, "badRequest").rfind("Malformed request URL", 0),
      0u);
}

TEST_F(ControllerProcessTest,
       RemoteConsoles_Below26_Is404_LegacyActionWorksUntil25) {
  HttpReply r = Post(std::string("/v2.1/servers/") + kVnc + "/remote-consoles",
                     RemoteConsole("vnc", "novnc"), As(kAliceToken));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(FaultMessageOf(r, "itemNotFound"),
            "The resource could not be found.");
  for (const char* version : {"", "2.1", "2.5"}) {
    HttpReply legacy = Post(std::string("/v2.1/servers/") + kVnc + "/action",
                            R"({"os-getVNCConsole": {"type": "novnc"}})",
                            As(kAliceToken, version));
    ASSERT_EQ(legacy.status, 200) << version << legacy.body;
    auto body = nlohmann::json::parse(legacy.body);
    EXPECT_EQ(body["console"]["type"], "novnc");
    EXPECT_FALSE(ConsoleTokenOf(body["console"]["url"]).empty());
  }
  HttpReply at26 = Post(std::string("/v2.1/servers/") + kVnc + "/action",
                        R"({"os-getVNCConsole": {"type": "novnc"}})",
                        As(kAliceToken, "2.6"));
  EXPECT_EQ(at26.status, 404);
  HttpReply unknown = Post(std::string("/v2.1/servers/") + kVnc + "/action",
                           R"({"os-getFoo": {}})", As(kAliceToken, "2.1"));
  EXPECT_EQ(FaultMessageOf(unknown, "badRequest"),
            "There is no such action: os-getFoo");
}

TEST_F(ControllerProcessTest, RemoteConsoles_Errors_AreNovas) {
  auto post = [&](const std::string& server, const std::string& body,
                  const std::string& token = kAliceToken,
                  const std::string& version = "2.8") {
    return Post("/v2.1/servers/" + server + "/remote-consoles", body,
                As(token, version));
  };
  HttpReply off = post(kOff, RemoteConsole("vnc", "novnc"));
  EXPECT_EQ(off.status, 409);
  EXPECT_EQ(FaultMessageOf(off, "conflictingRequest"),
            std::string("Instance ") + kOff + " is not ready");
  HttpReply foreign = post(kSpice, RemoteConsole("spice", "spice-html5"));
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(FaultMessageOf(foreign, "itemNotFound"),
            std::string("Instance ") + kSpice + " could not be found.");
  HttpReply no_spice = post(kVnc, RemoteConsole("spice", "spice-html5"));
  EXPECT_EQ(no_spice.status, 400);
  EXPECT_EQ(FaultMessageOf(no_spice, "badRequest"),
            "Unavailable console type spice.");
  HttpReply mismatch = post(kVnc, RemoteConsole("vnc", "spice-html5"));
  EXPECT_EQ(FaultMessageOf(mismatch, "badRequest"),
            "Invalid console type spice-html5");
  HttpReply webmks = post(kVnc, RemoteConsole("mks", "webmks"));
  EXPECT_EQ(FaultMessageOf(webmks, "badRequest"),
            "Unavailable console type webmks.");
  HttpReply schema = post(kVnc, RemoteConsole("vnc", "foo"));
  EXPECT_EQ(FaultMessageOf(schema, "badRequest")
                .rfind("Invalid input for field/attribute type.", 0),
            0u);
  HttpReply reader = post(kVnc, RemoteConsole("vnc", "novnc"), kReaderToken);
  EXPECT_EQ(reader.status, 403);
  EXPECT_EQ(FaultMessageOf(reader, "forbidden"),
            "Policy doesn't allow os_compute_api:os-remote-consoles to be "
            "performed.");
  HttpReply unknown = post("99999999-9999-4999-8999-999999999999",
                           RemoteConsole("vnc", "novnc"));
  EXPECT_EQ(unknown.status, 404);
  HttpReply bob =
      post(kSpice, RemoteConsole("spice", "spice-html5"), kBobToken);
  EXPECT_EQ(bob.status, 200) << bob.body;
  HttpReply too_new =
      post(kVnc, RemoteConsole("vnc", "novnc"), kAliceToken, "3.0");
  EXPECT_EQ(too_new.status, 406);
  EXPECT_EQ(too_new.Header("OpenStack-API-Version"), "compute 3.0");
  HttpReply latest =
      post(kVnc, RemoteConsole("vnc", "novnc"), kAliceToken, "latest");
  EXPECT_EQ(latest.Header("OpenStack-API-Version"), "compute 2.104");
}

TEST_F(ControllerProcessTest, BadRequests_AreRefusedCleanly) {
  const std::string path =
      std::string("/v2.1/servers/") + kVnc + "/remote-consoles";
  EXPECT_EQ(HttpCall(stack_.api_port(), "POST", path,
                     {{"Content-Type", "application/json"}},
                     RemoteConsole("vnc", "novnc"))
                .status,
            401);
  EXPECT_EQ(Post(path, RemoteConsole("vnc", "novnc"), As("wrong-token", "2.6"))
                .status,
            401);
  EXPECT_EQ(Post(path, "{not json", As(kAliceToken, "2.6")).status, 400);
  EXPECT_EQ(Post(path, "", As(kAliceToken, "2.6")).status, 400);
  EXPECT_EQ(
      Post(path, std::string(100 * 1024, '{'), As(kAliceToken, "2.6")).status,
      413);
  std::string deep = std::string(200, '[') + std::string(200, ']');
  EXPECT_EQ(Post(path, deep, As(kAliceToken, "2.6")).status, 400);
  Headers xml = As(kAliceToken, "2.6");
  xml[1].second = "application/xml";
  EXPECT_EQ(Post(path, RemoteConsole("vnc", "novnc"), xml).status, 415);
  // Still serving.
  EXPECT_EQ(
      Post(path, RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6")).status,
      200);
}

TEST_F(ControllerProcessTest, ConsoleAuthTokens_AdminOnlyFrom231) {
  const std::string token = IssueVncToken();
  ASSERT_FALSE(token.empty());
  const std::string path = "/v2.1/os-console-auth-tokens/" + token;
  HttpReply r =
      HttpCall(stack_.api_port(), "GET", path, As(kAdminToken, "2.31"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["console"]["instance_uuid"], kVnc);
  EXPECT_EQ(body["console"]["host"], "127.0.0.1");
  EXPECT_EQ(body["console"]["port"], 5901);
  EXPECT_TRUE(body["console"]["internal_access_path"].is_null());
  EXPECT_EQ(
      HttpCall(stack_.api_port(), "GET", path, As(kAdminToken, "2.30")).status,
      400);
  EXPECT_EQ(
      HttpCall(stack_.api_port(), "GET", path, As(kAliceToken, "2.31")).status,
      403);
  HttpReply missing = HttpCall(stack_.api_port(), "GET",
                               "/v2.1/os-console-auth-tokens/"
                               "00000000-0000-4000-8000-000000000000",
                               As(kAdminToken, "2.31"));
  EXPECT_EQ(FaultMessageOf(missing, "itemNotFound"), "Token not found");
  // Tokens are never logged.
  EXPECT_EQ(stack_.ControllerLog().find(token), std::string::npos);
}

TEST_F(ControllerProcessTest, Servers_ListedPerProjectWithNovaNames) {
  HttpReply mine = HttpCall(stack_.api_port(), "GET", "/v2.1/servers/detail",
                            As(kAliceToken));
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto servers = nlohmann::json::parse(mine.body)["servers"];
  ASSERT_EQ(servers.size(), 2u);
  std::set<std::string> names = {servers[0]["name"], servers[1]["name"]};
  EXPECT_EQ(names, (std::set<std::string>{"vm-vnc", "vm-off"}));
  EXPECT_FALSE(servers[0].contains("OS-EXT-SRV-ATTR:host"));
  HttpReply named = HttpCall(stack_.api_port(), "GET",
                             "/v2.1/servers?name=vm-vnc", As(kAliceToken));
  auto one = nlohmann::json::parse(named.body)["servers"];
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0]["id"], kVnc);
  HttpReply admin =
      HttpCall(stack_.api_port(), "GET", std::string("/v2.1/servers/") + kSpice,
               As(kAdminToken));
  auto server = nlohmann::json::parse(admin.body)["server"];
  EXPECT_EQ(server["OS-EXT-SRV-ATTR:host"], "compute-1");
  EXPECT_EQ(server["status"], "ACTIVE");
  EXPECT_EQ(HttpCall(stack_.api_port(), "GET",
                     std::string("/v2.1/servers/") + kSpice, As(kAliceToken))
                .status,
            404);
}

TEST_F(ControllerProcessTest,
       AgentDown_ClearErrorWithinTimeout_RecoversAfterRestart) {
  stack_.KillAgent();
  const std::string path =
      std::string("/v2.1/servers/") + kVnc + "/remote-consoles";
  auto start = std::chrono::steady_clock::now();
  HttpReply down =
      Post(path, RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(down.status, 503) << down.body;
  // Non-admins never learn host names; the message still says what is wrong.
  EXPECT_EQ(FaultMessageOf(down, "serviceUnavailable"),
            std::string("The compute host of instance ") + kVnc +
                " is unreachable; try again later.");
  ASSERT_TRUE(stack_.StartAgent());
  EXPECT_TRUE(WaitFor(
      [&] {
        return Post(path, RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"))
                   .status == 200;
      },
      std::chrono::seconds(15)));
}

TEST_F(ControllerProcessTest, ControllerRestart_KeepsTokens_SigtermExitsZero) {
  const std::string token = IssueVncToken();
  ASSERT_FALSE(token.empty());
  stack_.controller()->Signal(SIGTERM);
  std::optional<int> status =
      stack_.controller()->Wait(std::chrono::seconds(15));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  ASSERT_TRUE(stack_.StartController()) << stack_.ControllerLog();
  HttpReply r = HttpCall(stack_.api_port(), "GET",
                         "/v2.1/os-console-auth-tokens/" + token,
                         As(kAdminToken, "2.31"));
  EXPECT_EQ(r.status, 200) << r.body;
}

long RssKiB(pid_t pid) { return testing::ProcStatusField(pid, "VmRSS"); }

TEST_F(ControllerProcessTest,
       HundredMebibyteBody_RefusedEarly_MemoryStaysFlat) {
  const long before = RssKiB(stack_.controller()->pid());
  int fd = testing::ConnectLoopback(stack_.api_port());
  ASSERT_GE(fd, 0);
  const std::string head =
      std::string("POST /v2.1/servers/") + kVnc +
      "/remote-consoles HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " + kAliceToken +
      "\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n";
  send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  // Keep sending the body: the server answers 413 and closes without
  // reading it, so sending fails long before 100 MiB.
  const std::string chunk(1 << 20, '[');
  size_t sent = 0;
  for (int i = 0; i < 100; ++i) {
    ssize_t n = send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  char reply[512] = {};
  recv(fd, reply, sizeof reply - 1, 0);
  close(fd);
  EXPECT_EQ(std::string(reply).rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_LT(sent, size_t{100} << 20);
  EXPECT_LT(RssKiB(stack_.controller()->pid()) - before, 8 * 1024);
  EXPECT_EQ(Post(std::string("/v2.1/servers/") + kVnc + "/remote-consoles",
                 RemoteConsole("vnc", "novnc"), As(kAliceToken, "2.6"))
                .status,
            200);
}

TEST(ControllerLimits, FiveThousandIdleConnections_PastTheLimitRefusedCleanly) {
  ControllerStack stack("", "[api]\nmax_connections = 4000\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  std::vector<int> idle;
  for (int i = 0; i < 5000; ++i) {
    int fd = testing::ConnectLoopback(stack.api_port());
    ASSERT_GE(fd, 0) << i;
    idle.push_back(fd);
  }
  // The 1,000 past the limit each got an HTTP 503 and a close.
  int refused = 0;
  for (size_t i = 4000; i < idle.size(); ++i) {
    char reply[64] = {};
    timeval tv{5, 0};
    setsockopt(idle[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (recv(idle[i], reply, sizeof reply - 1, 0) > 0 &&
        std::string(reply).rfind("HTTP/1.1 503", 0) == 0) {
      ++refused;
    }
  }
  EXPECT_EQ(refused, 1000);
  for (int fd : idle) close(fd);
  EXPECT_TRUE(WaitFor(
      [&] { return HttpCall(stack.api_port(), "GET", "/v2.1").status == 200; },
      std::chrono::seconds(10)));
  EXPECT_TRUE(stack.controller()->running());
}

TEST(ControllerSystemd, NotifiesReadyWatchdogAndReloadsTokensOnSighup) {
  ControllerStack stack;
  NotifySocket notify(stack.dir() + "/notify");
  stack.set_controller_env(
      {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=1000000"});
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  EXPECT_EQ(notify.NextState(), "READY=1\nSTATUS=serving");
  EXPECT_EQ(notify.Next(), "WATCHDOG=1");  // every 0.5 s, half of WATCHDOG_USEC

  auto servers = [&](const std::string& token) {
    return HttpCall(stack.api_port(), "GET", "/v2.1/servers",
                    {{"X-Auth-Token", token}})
        .status;
  };
  EXPECT_EQ(servers("carol-secret"), 401);
  WriteFile(stack.tokens_file(),
            ReadFile(stack.tokens_file()) +
                "carol-secret carol-user carol-project member,reader\n");
  stack.controller()->Signal(SIGHUP);
  EXPECT_EQ(notify.NextState(), "RELOADING=1");
  EXPECT_EQ(notify.NextState(), "READY=1\nSTATUS=serving");
  EXPECT_EQ(servers("carol-secret"), 200);
  EXPECT_EQ(servers(kAliceToken), 200);  // the old entries stay

  // A broken file keeps the table in use.
  WriteFile(stack.tokens_file(), "this line is not a token line\n");
  stack.controller()->Signal(SIGHUP);
  EXPECT_EQ(notify.NextState(), "RELOADING=1");
  EXPECT_EQ(notify.NextState(), "READY=1\nSTATUS=serving");
  EXPECT_EQ(servers("carol-secret"), 200);
  EXPECT_NE(stack.ControllerLog().find("keeping the old API tokens"),
            std::string::npos);

  stack.controller()->Signal(SIGTERM);
  EXPECT_EQ(notify.NextState(), "STOPPING=1");
}

}  // namespace
}  // namespace porthole::testing
