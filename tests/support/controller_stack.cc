#include "tests/support/controller_stack.h"

#include <signal.h>

#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"

namespace porthole::testing {

namespace {

// Every proxy listener on loopback, on its port, with matching URLs.
std::string ProxyConfig(const ControllerConfigParts& p) {
  const std::string n = std::to_string(p.novnc_port);
  const std::string s = std::to_string(p.spice_port);
  const std::string c = std::to_string(p.serial_port);
  const std::string novnc_base_url =
      p.novnc_base_url.empty() ? "http://127.0.0.1:" + n + "/vnc_lite.html"
                               : p.novnc_base_url;
  return "[vnc]\nnovncproxy_host = 127.0.0.1\nnovncproxy_port = " + n +
         "\nnovncproxy_base_url = " + novnc_base_url +
         "\n[spice]\nhtml5proxy_host = 127.0.0.1\n"
         "html5proxy_port = " +
         s + "\nhtml5proxy_base_url = http://127.0.0.1:" + s +
         "/spice_auto.html\n[serial_console]\nserialproxy_host = 127.0.0.1\n"
         "serialproxy_port = " +
         c + "\nbase_url = ws://127.0.0.1:" + c + "/\n";
}

}  // namespace

std::string ControllerConfigText(const ControllerConfigParts& p) {
  const std::string store = p.store.empty() ? "sqlite://" + p.dir + "/tokens.db"
                                            : p.store + "\nstore_timeout = 1";
  return "[api]\nlisten = 127.0.0.1:" + std::to_string(p.api_port) +
         "\nauth_strategy = tokens\ntokens_file = " + p.dir +
         "/api-tokens\n[agents]\nhosts = " + p.agents +
         "\ntimeout = 2\n[consoleauth]\nstore = " + store + "\n" +
         ProxyConfig(p) + p.extra;
}

void WriteApiTokens(const std::string& path) {
  WriteFile(path, std::string("# token user project roles\n") + kAdminToken +
                      " admin-user admin-project admin,member,reader\n" +
                      kAliceToken + " aaaaaaaa-0000-4000-8000-000000000001 " +
                      kAliceProject + " member,reader\n" +
                      "notused aaaaaaaa-0000-4000-8000-000000000001 " +
                      kAliceProject + " member,reader\n" + kBobToken +
                      " aaaaaaaa-0000-4000-8000-000000000002 "
                      "bbbbbbbb-0000-4000-8000-000000000002 member,reader\n" +
                      kReaderToken + " cccccccc-0000-4000-8000-000000000003 " +
                      kAliceProject + " reader\n");
}

ControllerStack::ControllerStack(std::string node_file,
                                 std::string extra_config)
    : node_file_(std::move(node_file)), extra_config_(std::move(extra_config)) {
  if (node_file_.empty()) node_file_ = WriteWorkedExampleNode(dir_.path());
  WriteApiTokens(tokens_file());
  PickPortsAndWriteConfig();
}

void ControllerStack::PickPortsAndWriteConfig() {
  api_port_ = PickFreePort();
  agent_port_ = PickFreePort();
  novnc_port_ = PickFreePort();
  spice_port_ = PickFreePort();
  serial_port_ = PickFreePort();
  WriteConfig();
}

void ControllerStack::set_token_store(std::string url) {
  token_store_ = std::move(url);
  WriteConfig();
}

void ControllerStack::WriteConfig() {
  ControllerConfigParts parts;
  parts.dir = dir_.path();
  parts.api_port = api_port_;
  parts.novnc_port = novnc_port_;
  parts.spice_port = spice_port_;
  parts.serial_port = serial_port_;
  parts.agents = "compute-1=127.0.0.1:" + std::to_string(agent_port_);
  parts.store = token_store_;
  // Replicas on one etcd need names of their own: the host name is shared.
  if (token_store_.starts_with("etcd")) {
    parts.extra =
        "[cluster]\nname = replica-" + std::to_string(api_port_) + "\n";
  }
  parts.extra += extra_config_;
  WriteFile(config_path(), ControllerConfigText(parts));
}

ControllerStack::~ControllerStack() {
  if (controller_) controller_->Stop();
  if (agent_) agent_->Stop();
}

bool ControllerStack::StartAgent() {
  std::vector<std::string> args = {AgentBinary(),
                                   "--config",
                                   "/dev/null",
                                   "--libvirt-uri",
                                   node_file_.find("://") == std::string::npos
                                       ? "test://" + node_file_
                                       : node_file_,
                                   "--listen",
                                   "127.0.0.1:" + std::to_string(agent_port_)};
  args.insert(args.end(), agent_args_.begin(), agent_args_.end());
  agent_ = std::make_unique<ChildProcess>(
      std::move(args), std::vector<std::string>{}, dir_.path() + "/agent.log");
  return WaitForTcpPort("127.0.0.1", agent_port_, std::chrono::seconds(10)) &&
         agent_->running();
}

void ControllerStack::KillAgent() {
  if (!agent_) return;
  agent_->Signal(SIGKILL);
  agent_->Wait(std::chrono::seconds(5));
  agent_.reset();
}

bool ControllerStack::StartController() {
  controller_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{ControllerBinary(), "--config", config_path()},
      controller_env_, dir_.path() + "/controller.log");
  if (!WaitForTcpPort("127.0.0.1", api_port_, std::chrono::seconds(10)) ||
      !controller_->running()) {
    return false;
  }
  // Ready when the agent's servers are visible through the API.
  if (ready_token_.empty()) return true;
  return WaitFor(
      [&] {
        HttpReply r = HttpCall(api_port_, "GET", "/v2.1/servers?all_tenants=1",
                               {{"X-Auth-Token", ready_token_}});
        return r.status == 200 && r.body.find("\"id\"") != std::string::npos;
      },
      std::chrono::seconds(10));
}

void ControllerStack::StopController() {
  if (controller_) controller_->Stop();
  controller_.reset();
}

bool ControllerStack::Start() {
  // A port picked free may be taken by a parallel test before our daemon
  // binds it; then the daemon exits, and we try again with other ports.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (StartAgent() && StartController()) return true;
    StopController();
    KillAgent();
    PickPortsAndWriteConfig();
  }
  return false;
}

std::string ControllerStack::ControllerLog() const {
  return ReadFile(dir_.path() + "/controller.log");
}
std::string ControllerStack::AgentLog() const {
  return ReadFile(dir_.path() + "/agent.log");
}

}  // namespace porthole::testing
