// The real OpenStack clients from Debian (python3-openstackclient,
// python3-novaclient), unchanged, against porthole-controller.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <regex>

#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";
const std::regex kNoVncUrl(
    R"(http://127\.0\.0\.1:\d+/vnc_lite\.html\?path=%3Ftoken%3D[0-9a-f-]{36})");

struct CliRun {
  int exit_code = -1;
  std::string output;
};

class OpenStackCliTest : public ::testing::Test {
 protected:
  // `serial_logs`: the node with alice's vm-serial and vm-serial-off, whose
  // console logs live in logs_ (tests/support/domain_fixtures.h).
  explicit OpenStackCliTest(bool serial_logs = false)
      : stack_(serial_logs ? WriteSerialLogNode(logs_.path(), logs_.path())
                           : "") {}

  void SetUp() override {
    ASSERT_TRUE(stack_.Start()) << stack_.ControllerLog();
  }

  std::string Endpoint() const {
    return "http://127.0.0.1:" + std::to_string(stack_.api_port()) + "/v2.1";
  }

  CliRun Run(std::vector<std::string> argv, std::vector<std::string> env = {}) {
    const std::string log =
        stack_.dir() + "/cli-" + std::to_string(++runs_) + ".log";
    ChildProcess cli(std::move(argv), std::move(env), log);
    std::optional<int> status = cli.Wait(std::chrono::seconds(60));
    CliRun run;
    if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
    run.output = ReadFile(log);
    return run;
  }

  // `openstack console url show` with the 'none' auth plugin (it sends
  // X-Auth-Token: notused, which the stack maps to alice).
  CliRun Openstack(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"openstack", "--os-auth-type", "none",
                                     "--os-endpoint", Endpoint()};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv);
  }

  TempDir logs_;  // before stack_, which may name files in it
  ControllerStack stack_;
  int runs_ = 0;
};

class OpenStackCliLogTest : public OpenStackCliTest {
 protected:
  OpenStackCliLogTest() : OpenStackCliTest(/*serial_logs=*/true) {}
};

TEST_F(OpenStackCliTest, ConsoleUrlShow_ByNameAndId_AtDefault21And26) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"console", "url", "show", "--novnc", "vm-vnc"},
           {"console", "url", "show", "--novnc", kVnc},
           {"--os-compute-api-version", "2.1", "console", "url", "show",
            "--novnc", "vm-vnc"},
           {"--os-compute-api-version", "2.6", "console", "url", "show",
            "--novnc", kVnc}}) {
    CliRun run = Openstack(args);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_TRUE(std::regex_search(run.output, kNoVncUrl)) << run.output;
  }
}

TEST_F(OpenStackCliTest, NovaGetVncConsole_PrintsOurUrl) {
  CliRun run =
      Run({"nova", "--os-auth-type", "admin_token", "--os-endpoint", Endpoint(),
           "--os-token", kAliceToken, "get-vnc-console", "vm-vnc", "novnc"},
          {std::string("OS_PROJECT_ID=") + kAliceProject,
           "OS_AUTH_URL=http://127.0.0.1:9/unused"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(std::regex_search(run.output, kNoVncUrl)) << run.output;
}

TEST_F(OpenStackCliTest, StoppedServer_ShowsNovasConflict) {
  CliRun run = Openstack({"console", "url", "show", "--novnc", "vm-off"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("409"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(
                "Instance 33333333-3333-4333-8333-333333333333 is not ready"),
            std::string::npos)
      << run.output;
}

TEST_F(OpenStackCliTest, OtherProjectsServer_IsNotFound) {
  CliRun by_name = Openstack({"console", "url", "show", "--spice", "vm-spice"});
  EXPECT_NE(by_name.exit_code, 0);
  EXPECT_NE(by_name.output.find("No Server found for vm-spice"),
            std::string::npos)
      << by_name.output;
  CliRun by_id = Openstack({"console", "url", "show", "--spice",
                            "22222222-2222-4222-8222-222222222222"});
  EXPECT_NE(by_id.exit_code, 0);
  EXPECT_NE(by_id.output.find("No Server found"), std::string::npos)
      << by_id.output;
}

TEST_F(OpenStackCliLogTest, ConsoleLogShow_PrintsTheTailOfTheLog) {
  WriteFile(logs_.path() + "/console.log",
            "SeaBIOS\r\nBooting\r\nvm-serial login: \n");
  CliRun all = Openstack({"console", "log", "show", "vm-serial"});
  EXPECT_EQ(all.exit_code, 0) << all.output;
  EXPECT_NE(all.output.find("SeaBIOS\nBooting\nvm-serial login: "),
            std::string::npos)
      << all.output;
  CliRun last =
      Openstack({"console", "log", "show", "--lines", "2", kSerialLogUuid});
  EXPECT_EQ(last.exit_code, 0) << last.output;
  EXPECT_NE(last.output.find("vm-serial login: "), std::string::npos)
      << last.output;
  EXPECT_EQ(last.output.find("Booting"), std::string::npos) << last.output;
}

TEST_F(OpenStackCliLogTest, ConsoleLogShow_NoLog_ShowsNovasNotFound) {
  CliRun run = Openstack({"console", "log", "show", "vm-vnc"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("Guest does not have a console available"),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace porthole::testing
