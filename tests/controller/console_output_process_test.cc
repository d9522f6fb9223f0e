// os-getConsoleOutput through the real daemons: porthole-controller asks a
// real porthole-agent (TailConsoleLog), which reads the live XML from
// libvirt's test driver and the log file this test writes.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/nova_reply.h"

namespace porthole::testing {
namespace {

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";

class ConsoleOutputProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<ControllerStack>(
        WriteSerialLogNode(logs_.path(), logs_.path()));
    ASSERT_TRUE(stack_->Start())
        << stack_->ControllerLog() << stack_->AgentLog();
  }

  HttpReply ConsoleOutput(const std::string& server, const std::string& body,
                          const std::string& token = kAliceToken) {
    return HttpCall(
        stack_->api_port(), "POST", "/v2.1/servers/" + server + "/action",
        {{"X-Auth-Token", token}, {"Content-Type", "application/json"}}, body);
  }
  static std::string Output(const HttpReply& reply) {
    auto json = nlohmann::json::parse(reply.body, nullptr, false);
    if (json.is_discarded() || !json.contains("output")) {
      return "<" + reply.body + ">";
    }
    return json["output"].get<std::string>();
  }

  TempDir logs_;
  std::unique_ptr<ControllerStack> stack_;
};

TEST_F(ConsoleOutputProcessTest, Length_TailsTheLogTheDomainNames) {
  WriteFile(logs_.path() + "/console.log",
            "SeaBIOS\r\nBooting from Hard Disk...\r\n\x1b[0mlogin: \n");
  HttpReply all =
      ConsoleOutput(kSerialLogUuid, R"({"os-getConsoleOutput": {}})");
  ASSERT_EQ(all.status, 200) << all.body << stack_->AgentLog();
  // Carriage returns and escapes are removed, as Nova does.
  EXPECT_EQ(Output(all), "SeaBIOS\nBooting from Hard Disk...\n[0mlogin: \n");
  HttpReply two = ConsoleOutput(kSerialLogUuid,
                                R"({"os-getConsoleOutput": {"length": 2}})");
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(Output(two), "[0mlogin: \n");
  HttpReply text = ConsoleOutput(kSerialLogUuid,
                                 R"({"os-getConsoleOutput": {"length": "3"}})");
  EXPECT_EQ(Output(text), "Booting from Hard Disk...\n[0mlogin: \n");
  HttpReply bad = ConsoleOutput(
      kSerialLogUuid, R"({"os-getConsoleOutput": {"length": "many"}})");
  EXPECT_EQ(bad.status, 400) << bad.body;
}

TEST_F(ConsoleOutputProcessTest, MissingLogFile_IsEmptyOutput) {
  HttpReply reply =
      ConsoleOutput(kSerialLogUuid, R"({"os-getConsoleOutput": {}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Output(reply), "");
}

TEST_F(ConsoleOutputProcessTest, StoppedServer_ReturnsItsFileLog) {
  WriteFile(logs_.path() + "/ttyS0.log", "reboot: Power down\n");
  HttpReply reply =
      ConsoleOutput(kSerialFileOffUuid, R"({"os-getConsoleOutput": {}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Output(reply), "reboot: Power down\n");
}

TEST_F(ConsoleOutputProcessTest, NoSerialLog_Is404ConsoleNotAvailable) {
  HttpReply reply = ConsoleOutput(kVnc, R"({"os-getConsoleOutput": {}})");
  EXPECT_EQ(reply.status, 404) << reply.body;
  EXPECT_EQ(FaultMessageOf(reply, "itemNotFound"),
            "Guest does not have a console available.");
}

TEST_F(ConsoleOutputProcessTest, ReaderAndOtherProject_AreRefused) {
  HttpReply reader = ConsoleOutput(
      kSerialLogUuid, R"({"os-getConsoleOutput": {}})", kReaderToken);
  EXPECT_EQ(reader.status, 403) << reader.body;
  HttpReply bob = ConsoleOutput(kSerialLogUuid,
                                R"({"os-getConsoleOutput": {}})", kBobToken);
  EXPECT_EQ(bob.status, 404) << bob.body;
}

}  // namespace
}  // namespace porthole::testing
