// 503 or 404 while agents come and go, through the real processes: one
// porthole-controller and two porthole-agents (compute-a on the three-domain
// node file, compute-b on a one-domain node written here), each on a free
// loopback port. A lookup answers 404 only when every agent has answered;
// while one is not started yet, stopped or hung, it is 503, within the
// [agents] timeout, never a hang. Every process is stopped by PID when the
// fixture goes away, a stopped (SIGSTOP) agent continued first.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"

namespace porthole::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kOnA[] = "11111111-1111-4111-8111-111111111111";  // vm-vnc
constexpr char kOnB[] = "44444444-4444-4444-8444-444444444444";
constexpr char kUnknown[] = "99999999-9999-4999-8999-999999999999";
constexpr auto kTimeout = seconds(2);  // [agents] timeout below
// What a request may take beyond the agents' timeout on a loaded machine.
constexpr auto kSlack = seconds(2);

std::string NodeB() {
  return std::string(
             "<node><domain type='test'><name>instance-000000b1</name><uuid>") +
         kOnB +
         "</uuid><metadata><nova:instance "
         "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
         "<nova:name>vm-b</nova:name><nova:owner><nova:user "
         "uuid='aaaaaaaa-0000-4000-8000-000000000001'>alice</nova:user>"
         "<nova:project uuid='" +
         kAliceProject +
         "'>demo</nova:project></nova:owner></nova:instance></metadata>"
         "<memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='vnc' port='5911' autoport='no' "
         "listen='127.0.0.1'/></devices></domain></node>";
}

// Polls `call` every 250 ms (each poll is a real request) until it answers
// `status`.
template <typename Call>
bool Eventually(int status, Call call, std::chrono::seconds timeout) {
  return WaitFor(
      [&] {
        if (call().status == status) return true;
        std::this_thread::sleep_for(milliseconds(250));
        return false;
      },
      timeout);
}

// Runs `call`, setting `took` to how long it took.
template <typename Call>
HttpReply Timed(Call call, std::chrono::steady_clock::duration* took) {
  auto start = std::chrono::steady_clock::now();
  HttpReply reply = call();
  *took = std::chrono::steady_clock::now() - start;
  return reply;
}

class AgentSyncTest : public ::testing::Test {
 protected:
  struct Agent {
    std::string name;
    std::string uri;
    int port = 0;
    std::unique_ptr<ChildProcess> process;
  };

  void SetUp() override {
    WriteFile(dir_.path() + "/node-b.xml", NodeB());
    WriteFile(dir_.path() + "/api-tokens",
              std::string(kAdminToken) +
                  " admin-user admin-project admin,member,reader\n" +
                  kAliceToken + " aaaaaaaa-0000-4000-8000-000000000001 " +
                  kAliceProject + " member,reader\n");
    a_.name = "compute-a";
    a_.uri = "test://" + WriteWorkedExampleNode(dir_.path());
    b_.name = "compute-b";
    b_.uri = "test://" + dir_.path() + "/node-b.xml";
    PickPortsAndWriteConfig();
  }

  void TearDown() override {
    // A stopped agent is continued before it is stopped for good.
    for (Agent* agent : {&a_, &b_}) {
      if (agent->process) agent->process->Signal(SIGCONT);
    }
    if (controller_) controller_->Stop();
    for (Agent* agent : {&a_, &b_}) {
      if (agent->process) agent->process->Stop();
    }
  }

  void PickPortsAndWriteConfig() {
    api_port_ = PickFreePort();
    novnc_port_ = PickFreePort();
    a_.port = PickFreePort();
    b_.port = PickFreePort();
    const std::string n = std::to_string(novnc_port_);
    WriteFile(dir_.path() + "/controller.conf",
              "[api]\nlisten = 127.0.0.1:" + std::to_string(api_port_) +
                  "\nauth_strategy = tokens\ntokens_file = " + dir_.path() +
                  "/api-tokens\n[agents]\nhosts = compute-a=127.0.0.1:" +
                  std::to_string(a_.port) +
                  ", compute-b=127.0.0.1:" + std::to_string(b_.port) +
                  "\ntimeout = " + std::to_string(kTimeout.count()) +
                  "\n[consoleauth]\nstore = sqlite://" + dir_.path() +
                  "/tokens.db\n[vnc]\nnovncproxy_host = 127.0.0.1\n"
                  "novncproxy_port = " +
                  n + "\nnovncproxy_base_url = http://127.0.0.1:" + n +
                  "/vnc_lite.html\n[spice]\nenabled = false\n"
                  "[serial_console]\nenabled = false\n");
  }

  bool StartAgent(Agent& agent) {
    agent.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{AgentBinary(), "--config", "/dev/null",
                                 "--libvirt-uri", agent.uri, "--listen",
                                 "127.0.0.1:" + std::to_string(agent.port)},
        std::vector<std::string>{}, dir_.path() + "/" + agent.name + ".log");
    return WaitForTcpPort("127.0.0.1", agent.port, seconds(10)) &&
           agent.process->running();
  }

  void StopAgent(Agent& agent) {
    agent.process->Stop();
    agent.process.reset();
  }

  // Up when the API answers; the agents may not be.
  bool StartController() {
    controller_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{ControllerBinary(), "--config",
                                 dir_.path() + "/controller.conf"},
        std::vector<std::string>{}, dir_.path() + "/controller.log");
    return WaitForTcpPort("127.0.0.1", api_port_, seconds(10)) &&
           WaitForTcpPort("127.0.0.1", novnc_port_, seconds(10)) &&
           controller_->running();
  }

  // Everything up, and the controller in sync with both agents. A port
  // picked free may be taken before our daemon binds it: then again, with
  // other ports.
  bool StartAll() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (StartAgent(a_) && StartAgent(b_) && StartController() &&
          Eventually(
              200, [&] { return Show(kOnA, kAdminToken); }, seconds(15)) &&
          Eventually(
              200, [&] { return Show(kOnB, kAdminToken); }, seconds(15))) {
        return true;
      }
      TearDown();
      controller_.reset();
      a_.process.reset();
      b_.process.reset();
      PickPortsAndWriteConfig();
    }
    return false;
  }

  HttpReply Console(const std::string& server,
                    const std::string& token = kAliceToken) {
    return PostVncConsole(api_port_, server, token);
  }

  // GET /servers/{id}: the same lookup as a console request, but not
  // rate-limited like console URLs, so fit for polling.
  HttpReply Show(const std::string& server,
                 const std::string& token = kAliceToken) {
    return Get("/v2.1/servers/" + server, token);
  }

  HttpReply Get(const std::string& path,
                const std::string& token = kAliceToken) {
    return HttpCall(api_port_, "GET", path, {{"X-Auth-Token", token}});
  }

  // Once compute-b answers again, a miss is 404 and its servers are served.
  void ExpectAgentBBackInService() {
    EXPECT_TRUE(Eventually(
        404, [&] { return Show(kUnknown); }, seconds(20)))
        << Logs();
    EXPECT_TRUE(Eventually(
        200, [&] { return Console(kOnB); }, seconds(15)))
        << Logs();
  }

  std::string Logs() {
    std::string logs = ReadFile(dir_.path() + "/controller.log");
    for (const char* name : {"compute-a", "compute-b"}) {
      logs += ReadFile(dir_.path() + "/" + name + ".log");
    }
    return logs;
  }

  TempDir dir_;
  Agent a_, b_;
  int api_port_ = 0;
  int novnc_port_ = 0;
  std::unique_ptr<ChildProcess> controller_;
};

TEST_F(AgentSyncTest, AgentStartedAfterController_503ThenServes) {
  ASSERT_TRUE(StartController()) << Logs();
  std::chrono::steady_clock::duration took;
  HttpReply early = Timed([&] { return Console(kOnA); }, &took);
  EXPECT_LT(took, kTimeout + kSlack);
  ASSERT_EQ(early.status, 503) << early.body;
  // Nova's shape; host names are for admins only.
  EXPECT_EQ(FaultMessageOf(early, "serviceUnavailable"),
            std::string("Instance ") + kOnA +
                " cannot be looked up now: a compute host is unreachable; "
                "try again later.");
  HttpReply admin = Console(kOnA, kAdminToken);
  EXPECT_EQ(admin.status, 503);
  EXPECT_EQ(FaultMessageOf(admin, "serviceUnavailable"),
            std::string("Instance ") + kOnA +
                " cannot be looked up now: compute hosts compute-a, "
                "compute-b are unreachable or still syncing; try again "
                "later.");

  ASSERT_TRUE(StartAgent(a_)) << Logs();
  EXPECT_TRUE(Eventually(
      200, [&] { return Show(kOnA); }, seconds(20)))
      << Logs();
  // compute-b is still missing: an id nobody has is not "not found" yet.
  HttpReply unknown = Console(kUnknown, kAdminToken);
  EXPECT_EQ(unknown.status, 503) << unknown.body;
  EXPECT_NE(FaultMessageOf(unknown, "serviceUnavailable").find("compute-b"),
            std::string::npos);
  EXPECT_EQ(FaultMessageOf(unknown, "serviceUnavailable").find("compute-a"),
            std::string::npos);

  ASSERT_TRUE(StartAgent(b_)) << Logs();
  EXPECT_TRUE(Eventually(
      200, [&] { return Show(kOnB); }, seconds(20)))
      << Logs();
  EXPECT_EQ(Console(kOnA).status, 200);
  EXPECT_EQ(Console(kOnB).status, 200);
  HttpReply gone = Console(kUnknown);
  EXPECT_EQ(gone.status, 404) << gone.body;
  EXPECT_EQ(FaultMessageOf(gone, "itemNotFound"),
            std::string("Instance ") + kUnknown + " could not be found.");
}

TEST_F(AgentSyncTest, AgentStopped_ItsServers503_UnknownUuid503UntilBack) {
  ASSERT_TRUE(StartAll()) << Logs();
  // Both agents answer: an unknown id is Nova's 404, a name too (names
  // never reach the agents).
  EXPECT_EQ(Console(kUnknown).status, 404);
  EXPECT_EQ(Console("vm-b").status, 404);

  StopAgent(b_);  // SIGTERM
  ASSERT_TRUE(Eventually(
      503, [&] { return Console(kOnB); }, seconds(10)))
      << Logs();
  std::chrono::steady_clock::duration took;
  HttpReply unknown = Timed([&] { return Console(kUnknown); }, &took);
  EXPECT_LT(took, kTimeout + kSlack);
  EXPECT_EQ(unknown.status, 503) << unknown.body;
  EXPECT_EQ(FaultMessageOf(unknown, "serviceUnavailable").find("compute-"),
            std::string::npos);  // not to a non-admin
  HttpReply admin = Console(kUnknown, kAdminToken);
  EXPECT_EQ(FaultMessageOf(admin, "serviceUnavailable"),
            std::string("Instance ") + kUnknown +
                " cannot be looked up now: compute host compute-b is "
                "unreachable or still syncing; try again later.");
  // A name is still 404: it is never an id, whoever is down.
  EXPECT_EQ(Console("vm-b").status, 404);
  EXPECT_EQ(Console(kOnA).status, 200);
  // The list keeps what it knew of compute-b's servers.
  HttpReply list = Get("/v2.1/servers");
  EXPECT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(kOnB), std::string::npos) << list.body;
  EXPECT_EQ(Get(std::string("/v2.1/servers/") + kOnB).status, 200);

  ASSERT_TRUE(StartAgent(b_)) << Logs();
  ExpectAgentBBackInService();
}

TEST_F(AgentSyncTest, AgentHung_503WithinTheTimeout_NeverAHang) {
  ASSERT_TRUE(StartAll()) << Logs();
  b_.process->Signal(SIGSTOP);  // TearDown continues it
  std::chrono::steady_clock::duration took;
  HttpReply own = Timed([&] { return Console(kOnB); }, &took);
  EXPECT_LT(took, kTimeout + kSlack);
  EXPECT_EQ(own.status, 503) << own.body;
  // Its stream still looks up (keepalive has not noticed), but it did not
  // answer the fan-out: an unknown id cannot be called missing.
  HttpReply unknown = Timed([&] { return Console(kUnknown); }, &took);
  EXPECT_LT(took, kTimeout + kSlack);
  EXPECT_EQ(unknown.status, 503) << unknown.body;
  HttpReply other = Timed([&] { return Console(kOnA); }, &took);
  EXPECT_EQ(other.status, 200) << other.body;
  EXPECT_LT(took, kTimeout);

  b_.process->Signal(SIGCONT);
  ExpectAgentBBackInService();
}

TEST_F(AgentSyncTest,
       ProxyToken_AgentNotSyncedAfterRestart_IsBackendUnreachable) {
  ASSERT_TRUE(StartAll()) << Logs();
  HttpReply issued = Console(kOnB);
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string token = ConsoleTokenOf(
      nlohmann::json::parse(issued.body)["remote_console"]["url"]);
  ASSERT_FALSE(token.empty()) << issued.body;

  // The controller restarts while compute-b is down: it never learns where
  // the token's server is. The token may be good: no "token invalid".
  controller_->Stop();
  StopAgent(b_);
  ASSERT_TRUE(StartController()) << Logs();
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(novnc_port_));
  std::optional<RawWebSocket::Head> head = ws.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 502) << head->status_line;
  EXPECT_EQ(head->Header("x-porthole-error"), "backend-unreachable");
  EXPECT_NE(Logs().find("cannot be looked up"), std::string::npos);
}

}  // namespace
}  // namespace porthole::testing
