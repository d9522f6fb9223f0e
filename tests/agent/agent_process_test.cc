// porthole-agent as an operator runs it: the real binary, real libvirt test
// driver, real gRPC, a NOTIFY_SOCKET standing in for systemd.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "porthole/agent/v1/agent.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/loopback.h"
#include "tests/support/notify_socket.h"

namespace porthole::agent {
namespace {

using testing::ChildProcess;

// The worked example's three domains, in a node file that lives as long as
// the test process.
std::string NodeUri() {
  static const testing::TempDir dir;
  static const std::string path = testing::WriteWorkedExampleNode(dir.path());
  return "test://" + path;
}

struct RunResult {
  int exit_code;
  std::string out;  // stdout alone
  std::string err;  // stderr alone
};

// Runs the agent to completion with stdout and stderr captured apart:
// --dump's stdout is a document, its stderr a log.
RunResult RunAgent(const std::vector<std::string>& args,
                   const testing::TempDir& dir,
                   std::vector<std::string> extra_env = {}) {
  const std::string out = dir.path() + "/stdout";
  const std::string err = dir.path() + "/stderr";
  unlink(out.c_str());
  unlink(err.c_str());
  std::vector<std::string> argv = {testing::AgentBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildProcess agent(argv, std::move(extra_env), out, err);
  std::optional<int> status = agent.Wait(std::chrono::seconds(20));
  EXPECT_TRUE(status.has_value());
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1,
          testing::ReadFile(out), testing::ReadFile(err)};
}

std::vector<std::string> DumpArgs() {
  return {"--config",
          "/dev/null",
          "--libvirt-uri",
          NodeUri(),
          "--proxyclient-address",
          "192.0.2.10",
          "--dump"};
}

// The worked example's three domains, as --dump prints them.
void ExpectThreeDomainsJson(const std::string& out) {
  ASSERT_TRUE(nlohmann::json::accept(out)) << "stdout is not JSON:\n" << out;
  nlohmann::json json = nlohmann::json::parse(out);
  ASSERT_EQ(json["domains"].size(), 3u);
  const auto& spice = json["domains"][1];
  EXPECT_EQ(spice["uuid"], "22222222-2222-4222-8222-222222222222");
  EXPECT_EQ(spice["state"], "DOMAIN_STATE_RUNNING");
  EXPECT_EQ(spice["display_name"], "vm-spice");
  EXPECT_EQ(spice["consoles"][0]["protocol"], "PROTOCOL_SPICE");
  EXPECT_EQ(spice["consoles"][0]["host"], "192.0.2.10");
  EXPECT_EQ(spice["consoles"][0]["tls_port"], 5903);
  EXPECT_EQ(json["domains"][2]["state"], "DOMAIN_STATE_SHUTOFF");
  EXPECT_TRUE(json["libvirt_connected"].get<bool>());
}

TEST(AgentProcess, Dump_PrintsInventoryAsProtoJsonWithFieldNames) {
  testing::TempDir dir;
  RunResult run = RunAgent(DumpArgs(), dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ExpectThreeDomainsJson(run.out);
}

// What broke on a fresh Debian 12 root: libvirt logs to stderr ("info :
// libvirt version", "warning : getaddrinfo failed" for an unresolvable host
// name). LIBVIRT_DEBUG makes it log every call.
TEST(AgentProcess, Dump_LibvirtLogsToStderr_StdoutIsOnlyJson) {
  testing::TempDir dir;
  RunResult run = RunAgent(DumpArgs(), dir,
                           {"LIBVIRT_DEBUG=1", "LIBVIRT_LOG_OUTPUTS=1:stderr"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("libvirt version"), std::string::npos) << run.err;
  ExpectThreeDomainsJson(run.out);
}

// libvirt may even be told to log to /dev/stdout, which it reopens; the JSON
// must still stand alone on stdout, and the log lands on stderr.
TEST(AgentProcess, Dump_LibvirtLogsToDevStdout_StdoutIsOnlyJson) {
  testing::TempDir dir;
  RunResult run =
      RunAgent(DumpArgs(), dir,
               {"LIBVIRT_DEBUG=1", "LIBVIRT_LOG_OUTPUTS=1:file:/dev/stdout"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("libvirt version"), std::string::npos) << run.err;
  ExpectThreeDomainsJson(run.out);
}

TEST(AgentProcess, Dump_UnopenableUri_FailsWithLibvirtError) {
  testing::TempDir dir;
  RunResult run = RunAgent({"--config", "/dev/null", "--libvirt-uri",
                            "test:///nonexistent/node.xml", "--dump"},
                           dir);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot connect to libvirt"), std::string::npos)
      << run.err;
  EXPECT_EQ(run.out, "");
}

TEST(AgentProcess, BadConfig_OneLineErrorAndExit2) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() + "/agent.conf",
                     "[agent]\nlisten = nowhere:x\n");
  RunResult run = RunAgent({"--config", dir.path() + "/agent.conf"}, dir);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "porthole-agent: " + dir.path() +
                         "/agent.conf: [agent] listen: invalid address "
                         "'nowhere:x', expected host:port\n");
  run = RunAgent({"--config", dir.path() + "/missing.conf"}, dir);
  EXPECT_EQ(run.exit_code, 2);
  run = RunAgent({"--config", "/dev/null", "--bogus"}, dir);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown argument '--bogus'"), std::string::npos);
}

TEST(AgentProcess, PortInUse_ExitsWithClearError) {
  testing::TempDir dir;
  int port = 0;
  int fd = testing::ListenLoopback(1, &port);
  ASSERT_GE(fd, 0);
  const std::string listen_at = "127.0.0.1:" + std::to_string(port);
  RunResult run = RunAgent({"--config", "/dev/null", "--libvirt-uri", NodeUri(),
                            "--listen", listen_at},
                           dir);
  close(fd);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("cannot listen on " + listen_at), std::string::npos)
      << run.err;
}

TEST(AgentProcess, Serves_NotifiesSystemd_LogsRequestId_StopsOnSigterm) {
  testing::TempDir dir;
  testing::NotifySocket notify(dir.path() + "/notify");
  const int port = testing::PickFreePort();
  ChildProcess agent(
      {testing::AgentBinary(), "--config", "/dev/null", "--libvirt-uri",
       NodeUri(), "--listen", "127.0.0.1:" + std::to_string(port)},
      {"NOTIFY_SOCKET=" + dir.path() + "/notify", "WATCHDOG_USEC=1000000"},
      dir.path() + "/agent.log");
  EXPECT_EQ(notify.NextState(), "READY=1\nSTATUS=serving");

  auto stub = v1::ConsoleAgent::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("x-openstack-request-id",
                      "req-0d6e0a4c-4b1e-4c8e-9a55-1f0e6e0c9b11");
  v1::GetConsoleRequest request;
  request.set_uuid("11111111-1111-4111-8111-111111111111");
  request.set_protocol(v1::PROTOCOL_VNC);
  v1::GetConsoleResponse response;
  ASSERT_TRUE(stub->GetConsole(&context, request, &response).ok());
  EXPECT_EQ(response.console().port(), 5901u);

  agent.Signal(SIGTERM);
  EXPECT_EQ(notify.NextState(), "STOPPING=1");
  std::optional<int> status = agent.Wait(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_NE(agent.ReadLog().find(
                "request_id=req-0d6e0a4c-4b1e-4c8e-9a55-1f0e6e0c9b11"),
            std::string::npos)
      << agent.ReadLog();
}

}  // namespace
}  // namespace porthole::agent
