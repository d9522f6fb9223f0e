#include "tests/support/controller_stack.h"

#include <signal.h>

#include "tests/support/http_client.h"

namespace porthole::testing {

ControllerStack::ControllerStack(std::string node_file,
                                 std::string extra_config)
    : node_file_(std::move(node_file)), extra_config_(std::move(extra_config)) {
  api_port_ = PickFreePort();
  agent_port_ = PickFreePort();
  WriteFile(dir_.path() + "/api-tokens",
            std::string("# token user project roles\n") + kAdminToken +
                " admin-user admin-project admin,member,reader\n" +
                kAliceToken + " aaaaaaaa-0000-4000-8000-000000000001 " +
                kAliceProject + " member,reader\n" +
                "notused aaaaaaaa-0000-4000-8000-000000000001 " +
                kAliceProject + " member,reader\n" + kBobToken +
                " aaaaaaaa-0000-4000-8000-000000000002 "
                "bbbbbbbb-0000-4000-8000-000000000002 member,reader\n" +
                kReaderToken + " cccccccc-0000-4000-8000-000000000003 " +
                kAliceProject + " reader\n");
  WriteFile(config_path(),
            "[api]\nlisten = 127.0.0.1:" + std::to_string(api_port_) +
                "\nauth_strategy = tokens\ntokens_file = " + dir_.path() +
                "/api-tokens\n[agents]\nhosts = compute-1=127.0.0.1:" +
                std::to_string(agent_port_) +
                "\ntimeout = 2\n[consoleauth]\nstore = sqlite://" +
                dir_.path() + "/tokens.db\n" + extra_config_);
}

ControllerStack::~ControllerStack() {
  if (controller_) controller_->Stop();
  if (agent_) agent_->Stop();
}

bool ControllerStack::StartAgent() {
  agent_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{BinaryDir() + "/agent/porthole-agent",
                               "--config", "/dev/null", "--libvirt-uri",
                               "test://" + node_file_, "--listen",
                               "127.0.0.1:" + std::to_string(agent_port_)},
      std::vector<std::string>{}, dir_.path() + "/agent.log");
  return WaitForTcpPort("127.0.0.1", agent_port_, std::chrono::seconds(10));
}

void ControllerStack::KillAgent() {
  if (!agent_) return;
  agent_->Signal(SIGKILL);
  agent_->Wait(std::chrono::seconds(5));
  agent_.reset();
}

bool ControllerStack::StartController() {
  controller_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{BinaryDir() + "/controller/porthole-controller",
                               "--config", config_path()},
      std::vector<std::string>{}, dir_.path() + "/controller.log");
  if (!WaitForTcpPort("127.0.0.1", api_port_, std::chrono::seconds(10)))
    return false;
  // Ready when the agent's servers are visible through the API.
  return WaitFor(
      [&] {
        HttpReply r = HttpCall(api_port_, "GET", "/v2.1/servers",
                               {{"X-Auth-Token", kAdminToken}});
        return r.status == 200 && r.body.find("\"id\"") != std::string::npos;
      },
      std::chrono::seconds(10));
}

void ControllerStack::StopController() {
  if (controller_) controller_->Stop();
  controller_.reset();
}

bool ControllerStack::Start() { return StartAgent() && StartController(); }

std::string ControllerStack::ControllerLog() const {
  return ReadFile(dir_.path() + "/controller.log");
}
std::string ControllerStack::AgentLog() const {
  return ReadFile(dir_.path() + "/agent.log");
}

}  // namespace porthole::testing
