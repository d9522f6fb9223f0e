#ifndef PORTHOLE_TESTS_SUPPORT_CONTROLLER_STACK_H_
#define PORTHOLE_TESTS_SUPPORT_CONTROLLER_STACK_H_

#include <memory>
#include <string>

#include "tests/support/child_process.h"

namespace porthole::testing {

// API tokens the stack's tokens file defines. alice owns vm-vnc and vm-off
// in the worked example (tests/support/domain_fixtures.h); bob owns vm-spice.
inline constexpr char kAdminToken[] = "admin-secret";
inline constexpr char kAliceToken[] = "alice-secret";
inline constexpr char kBobToken[] = "bob-secret";
inline constexpr char kReaderToken[] =
    "reader-secret";  // alice's project, reader only
inline constexpr char kAliceProject[] = "bbbbbbbb-0000-4000-8000-000000000001";

// What a test controller's config file says; ControllerStack and
// ControllerCluster write theirs with ControllerConfigText.
struct ControllerConfigParts {
  std::string dir;  // holds the API tokens file (WriteApiTokens)
  int api_port = 0;
  int novnc_port = 0;
  int spice_port = 0;
  int serial_port = 0;
  std::string agents;  // [agents] hosts: "NAME=HOST:PORT, ..."
  std::string store;   // [consoleauth] store; empty: SQLite in `dir`
  // [vnc] novncproxy_base_url; empty: this controller's own noVNC port.
  std::string novnc_base_url;
  std::string extra;  // appended as is (a section may repeat)
};
// Every listener on loopback at the given ports, API auth by the tokens
// file, agent timeout 2 s, and an etcd store with store_timeout = 1.
std::string ControllerConfigText(const ControllerConfigParts& parts);
// Writes the API tokens file the kinds of token above authenticate with
// (plus "notused", what openstack's auth type none sends, as alice).
void WriteApiTokens(const std::string& path);

// The real daemons, as an operator runs them: one porthole-agent on a
// libvirt test-driver node file, and porthole-controller with a config file,
// a tokens file (plus "notused", what openstack's auth type none sends, as
// alice) and a SQLite token store, all on free loopback ports in a private
// directory. Processes are stopped by PID when the stack goes away.
// `node_file` is a test-driver node file (empty: the worked example's three
// domains), or a libvirt URI (anything with "://"), e.g. a private
// libvirtd's qemu+unix:// URI with real guests.
class ControllerStack {
 public:
  explicit ControllerStack(std::string node_file = "",
                           std::string extra_config = "");
  ~ControllerStack();

  // Starts both and waits until the controller serves and knows the agent's
  // servers. False when something did not come up (see the logs).
  bool Start();
  bool StartAgent();
  void KillAgent();
  bool StartController();
  void StopController();

  int api_port() const { return api_port_; }
  int agent_port() const { return agent_port_; }
  int novnc_port() const { return novnc_port_; }
  int serial_port() const { return serial_port_; }
  const std::string& dir() const { return dir_.path(); }
  std::string config_path() const { return dir_.path() + "/controller.conf"; }
  std::string ControllerLog() const;
  std::string AgentLog() const;
  ChildProcess* controller() { return controller_.get(); }
  std::string tokens_file() const { return dir_.path() + "/api-tokens"; }
  // The X-Auth-Token StartController lists the servers with to know the
  // controller is ready (default kAdminToken; a Keystone admin token when
  // the stack runs with auth_strategy = keystone).
  void set_ready_token(std::string token) { ready_token_ = std::move(token); }
  // The controller's [consoleauth] store (default: SQLite in dir()); an
  // etcd URL also gets store_timeout = 1. Before StartController.
  void set_token_store(std::string url);
  // Extra arguments for the agent (e.g. --metrics-listen). Before
  // StartAgent.
  void set_agent_args(std::vector<std::string> args) {
    agent_args_ = std::move(args);
  }
  // Extra environment for the controller (e.g. NOTIFY_SOCKET=...).
  void set_controller_env(std::vector<std::string> env) {
    controller_env_ = std::move(env);
  }

 private:
  void PickPortsAndWriteConfig();
  void WriteConfig();

  TempDir dir_;
  std::string node_file_;
  std::string extra_config_;
  std::string token_store_;
  int api_port_ = 0;
  int agent_port_ = 0;
  int novnc_port_ = 0;
  int spice_port_ = 0;
  int serial_port_ = 0;
  std::vector<std::string> controller_env_;
  std::vector<std::string> agent_args_;
  std::string ready_token_ = kAdminToken;
  std::unique_ptr<ChildProcess> agent_;
  std::unique_ptr<ChildProcess> controller_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_CONTROLLER_STACK_H_
