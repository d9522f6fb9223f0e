// [oslo_policy] policy_file in the real porthole-controller (tokens-file
// auth, a real agent on a libvirt test-driver host): a file granting
// consoles to a custom role, one denying them to members, a bad file at
// startup (exit 2 naming the line) and SIGHUP switching the decision.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";    // alice's
constexpr char kSpice[] = "22222222-2222-4222-8222-222222222222";  // bob's
constexpr char kSupportToken[] = "support-secret";  // alice's project
constexpr char kConsolesDenied[] =
    "Policy doesn't allow os_compute_api:os-remote-consoles to be performed.";
// Relative: taken from the configuration file's folder (the stack's dir).
constexpr char kPolicyConfig[] = "[oslo_policy]\npolicy_file = policy.yaml\n";

class PolicyProcessTest : public ::testing::Test {
 protected:
  // Writes the policy file and a token for a user whose only role is
  // "support", then starts the agent and the controller.
  void Start(const std::string& policy_yaml) {
    WritePolicy(policy_yaml);
    WriteFile(stack_.tokens_file(),
              ReadFile(stack_.tokens_file()) + kSupportToken +
                  " dddddddd-0000-4000-8000-000000000004 " + kAliceProject +
                  " support\n");
    ASSERT_TRUE(stack_.Start()) << stack_.ControllerLog() << stack_.AgentLog();
  }
  void WritePolicy(const std::string& policy_yaml) {
    WriteFile(stack_.dir() + "/policy.yaml", policy_yaml);
  }

  HttpReply Console(const std::string& server, const std::string& token) {
    return PostVncConsole(stack_.api_port(), server, token);
  }
  // Runs the controller alone, expecting it to refuse its configuration:
  // its exit code (-1: still running after 15 s, or killed).
  int ExitCodeOfRefusedStart() {
    ChildProcess controller(
        {ControllerBinary(), "--config", stack_.config_path()}, {},
        stack_.dir() + "/controller.log");
    std::optional<int> status = controller.Wait(std::chrono::seconds(15));
    if (!status.has_value() || !WIFEXITED(*status)) return -1;
    return WEXITSTATUS(*status);
  }

  ControllerStack stack_{"", kPolicyConfig};
};

TEST_F(PolicyProcessTest, FileGrantingConsolesToACustomRole_GivesItAUrl) {
  Start(
      "# the support desk opens consoles in its own project\n"
      "os_compute_api:os-remote-consoles: >-\n"
      "  rule:project_member_or_admin or\n"
      "  (role:support and project_id:%(project_id)s)\n");
  HttpReply granted = Console(kVnc, kSupportToken);
  ASSERT_EQ(granted.status, 200) << granted.body;
  auto body = nlohmann::json::parse(granted.body);
  EXPECT_FALSE(ConsoleTokenOf(body["remote_console"]["url"]).empty());
  EXPECT_EQ(Console(kVnc, kAliceToken).status, 200);      // members still
  EXPECT_EQ(Console(kSpice, kSupportToken).status, 404);  // bob's: hidden
  // Reading servers is still Nova's reader rule: support has no reader role.
  EXPECT_EQ(HttpCall(stack_.api_port(), "GET", "/v2.1/servers",
                     {{"X-Auth-Token", kSupportToken}})
                .status,
            403);
}

TEST_F(PolicyProcessTest, FileDenyingConsolesToMembers_Gives403) {
  Start(
      "{\"os_compute_api:os-remote-consoles\": \"rule:context_is_admin\",\n"
      " \"os_compute_api:os-remote-console\": \"@\"}\n");
  HttpReply denied = Console(kVnc, kAliceToken);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(FaultMessageOf(denied, "forbidden"), kConsolesDenied);
  HttpReply legacy = HttpCall(
      stack_.api_port(), "POST",
      std::string("/v2.1/servers/") + kVnc + "/action",
      {{"X-Auth-Token", kAliceToken}, {"Content-Type", "application/json"}},
      R"({"os-getVNCConsole": {"type": "novnc"}})");
  EXPECT_EQ(FaultMessageOf(legacy, "forbidden"), kConsolesDenied);
  EXPECT_EQ(Console(kVnc, kAdminToken).status, 200);
  // A rule name Porthole never checks (here a typo) is a warning, not fatal.
  EXPECT_NE(stack_.ControllerLog().find(
                "rules Porthole does not check (a typo, or another service's): "
                "os_compute_api:os-remote-console"),
            std::string::npos)
      << stack_.ControllerLog();
}

TEST_F(PolicyProcessTest, BadFileAtStartup_Exits2NamingTheLine) {
  WritePolicy(
      "context_is_admin: role:admin\n"
      "os_compute_api:os-remote-consoles: role:member and and role:reader\n");
  EXPECT_EQ(ExitCodeOfRefusedStart(), 2);
  EXPECT_NE(stack_.ControllerLog().find(
                stack_.dir() +
                "/policy.yaml:2: rule 'os_compute_api:os-remote-consoles': "
                "word 3: unexpected 'and'"),
            std::string::npos)
      << stack_.ControllerLog();
}

TEST_F(PolicyProcessTest, UnreadableFileAtStartup_Exits2NamingIt) {
  EXPECT_EQ(ExitCodeOfRefusedStart(), 2);
  EXPECT_NE(stack_.ControllerLog().find("cannot read policy file " +
                                        stack_.dir() + "/policy.yaml"),
            std::string::npos)
      << stack_.ControllerLog();
}

TEST_F(PolicyProcessTest, Sighup_SwitchesTheDecision_BadFileKeepsTheOld) {
  Start("{}\n");
  EXPECT_EQ(Console(kVnc, kAliceToken).status, 200);
  EXPECT_EQ(Console(kVnc, kSupportToken).status, 403);

  WritePolicy("os_compute_api:os-remote-consoles: role:support\n");
  stack_.controller()->Signal(SIGHUP);
  EXPECT_TRUE(
      WaitFor([&] { return Console(kVnc, kSupportToken).status == 200; },
              std::chrono::seconds(10)))
      << stack_.ControllerLog();
  EXPECT_EQ(Console(kVnc, kAliceToken).status, 403);

  WritePolicy("os_compute_api:os-remote-consoles: role:support or\n");
  stack_.controller()->Signal(SIGHUP);
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack_.ControllerLog().find("keeping the old policy") !=
               std::string::npos;
      },
      std::chrono::seconds(10)));
  EXPECT_NE(stack_.ControllerLog().find(stack_.dir() +
                                        "/policy.yaml:1: rule "
                                        "'os_compute_api:os-remote-consoles'"),
            std::string::npos)
      << stack_.ControllerLog();
  EXPECT_EQ(Console(kVnc, kSupportToken).status, 200);
  EXPECT_EQ(Console(kVnc, kAliceToken).status, 403);
  EXPECT_TRUE(stack_.controller()->running());
}

}  // namespace
}  // namespace porthole::testing
