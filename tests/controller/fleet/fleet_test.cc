// The Fleet against real porthole-agent processes: one on a private libvirtd's
// shared test driver (so virsh in another process changes domains under it),
// one on a node file.
#include "controller/fleet/fleet.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <set>

#include "absl/synchronization/mutex.h"
#include "tests/support/child_process.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/libvirtd.h"
#include "tests/support/proc_status.h"
#include "tests/support/stderr_capture.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using testing::ChildProcess;

constexpr char kNodeVnc[] = "11111111-1111-4111-8111-111111111111";
constexpr char kNewUuid[] = "5e5e5e5e-0000-4000-8000-00000000f1ee";

std::unique_ptr<ChildProcess> StartAgent(const std::string& uri, int port,
                                         const std::string& log) {
  auto agent = std::make_unique<ChildProcess>(
      std::vector<std::string>{testing::AgentBinary(), "--config", "/dev/null",
                               "--libvirt-uri", uri, "--listen",
                               "127.0.0.1:" + std::to_string(port)},
      std::vector<std::string>{}, log);
  EXPECT_TRUE(
      testing::WaitForTcpPort("127.0.0.1", port, std::chrono::seconds(10)));
  return agent;
}

int Virsh(const std::string& uri, const std::string& commands,
          const std::string& log) {
  ChildProcess virsh({"virsh", "-q", "-c", uri, commands}, {}, log);
  std::optional<int> status = virsh.Wait(std::chrono::seconds(20));
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

std::string DomainXml() {
  return std::string("<domain type='test'><name>fleet-vm</name><uuid>") +
         kNewUuid +
         "</uuid><metadata><nova:instance "
         "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
         "<nova:name>fleet</nova:name><nova:owner><nova:user "
         "uuid='u1'>u</nova:user>"
         "<nova:project uuid='p1'>p</nova:project></nova:owner></nova:instance>"
         "</metadata><memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='vnc' port='5977' autoport='no' "
         "listen='127.0.0.1'/></devices></domain>";
}

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(libvirtd_.Start()) << libvirtd_.ReadLog();
    port_a_ = testing::PickFreePort();
    port_b_ = testing::PickFreePort();
    agent_a_ =
        StartAgent(libvirtd_.test_uri(), port_a_, dir_.path() + "/a.log");
    agent_b_ =
        StartAgent("test://" + testing::WriteWorkedExampleNode(dir_.path()),
                   port_b_, dir_.path() + "/b.log");
    FleetOptions options;
    options.agents = {{"compute-a", "127.0.0.1:" + std::to_string(port_a_)},
                      {"compute-b", "127.0.0.1:" + std::to_string(port_b_)}};
    options.timeout = absl::Seconds(2);
    options.reconnect_max_backoff = absl::Milliseconds(500);
    fleet_ = std::make_unique<Fleet>(
        options, [this](const std::string& uuid, std::string_view) {
          absl::MutexLock lock(&mu_);
          gone_.insert(uuid);
        });
    ASSERT_TRUE(fleet_->Start().ok());
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          return fleet_->AgentConnected("compute-a") &&
                 fleet_->AgentConnected("compute-b");
        },
        std::chrono::seconds(10)));
  }

  bool Gone(const std::string& uuid) {
    absl::MutexLock lock(&mu_);
    return gone_.contains(uuid);
  }

  std::optional<Server> Known(const std::string& uuid) {
    for (const Server& s : fleet_->List()) {
      if (s.domain.uuid() == uuid) return s;
    }
    return std::nullopt;
  }

  testing::TempDir dir_;
  testing::Libvirtd libvirtd_;
  int port_a_ = 0, port_b_ = 0;
  std::unique_ptr<ChildProcess> agent_a_, agent_b_;
  std::unique_ptr<Fleet> fleet_;
  absl::Mutex mu_;
  std::set<std::string> gone_ ABSL_GUARDED_BY(mu_);
};

TEST_F(FleetTest, Inventory_HoldsEveryAgentsServersWithTheirHost) {
  absl::StatusOr<Server> vnc = fleet_->Find(kNodeVnc);
  ASSERT_TRUE(vnc.ok()) << vnc.status();
  EXPECT_EQ(vnc->host, "compute-b");
  EXPECT_EQ(vnc->domain.display_name(), "vm-vnc");
  EXPECT_TRUE(vnc->host_connected);
  absl::StatusOr<v1::GetConsoleResponse> console =
      fleet_->GetConsole(*vnc, v1::PROTOCOL_VNC, "req-fleet-test");
  ASSERT_TRUE(console.ok()) << console.status();
  EXPECT_EQ(console->console().port(), 5901u);
  EXPECT_NE(agent_b_->ReadLog().find("request_id=req-fleet-test"),
            std::string::npos);
  // Both agents answered: a miss is a plain NOT_FOUND.
  EXPECT_TRUE(absl::IsNotFound(
      fleet_->Find("99999999-9999-4999-8999-999999999999").status()));
  EXPECT_TRUE(absl::IsNotFound(fleet_->Find("vm-vnc").status()));  // names
}

TEST_F(FleetTest, DomainStartedAndStoppedElsewhere_IsTrackedAndRevoked) {
  const std::string xml_path = dir_.path() + "/fleet-vm.xml";
  testing::WriteFile(xml_path, DomainXml());
  ASSERT_EQ(
      Virsh(libvirtd_.test_uri(), "define " + xml_path + "; start fleet-vm",
            dir_.path() + "/virsh.log"),
      0)
      << testing::ReadFile(dir_.path() + "/virsh.log");
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto s = Known(kNewUuid);
        return s && s->domain.state() == v1::DOMAIN_STATE_RUNNING;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(Known(kNewUuid)->host, "compute-a");
  EXPECT_FALSE(Gone(kNewUuid));

  ASSERT_EQ(Virsh(libvirtd_.test_uri(), "destroy fleet-vm",
                  dir_.path() + "/virsh.log"),
            0);
  EXPECT_TRUE(testing::WaitFor([&] { return Gone(kNewUuid); },
                               std::chrono::seconds(10)));
  EXPECT_EQ(Known(kNewUuid)->domain.state(), v1::DOMAIN_STATE_SHUTOFF);

  ASSERT_EQ(Virsh(libvirtd_.test_uri(), "undefine fleet-vm",
                  dir_.path() + "/virsh.log"),
            0);
  EXPECT_TRUE(testing::WaitFor([&] { return !Known(kNewUuid).has_value(); },
                               std::chrono::seconds(10)));
}

// The heartbeat contract the proxy's inventory re-check relies on: a
// confirmation received after a change was made holds that change.
TEST_F(FleetTest, Heartbeats_ConfirmTheInventory_AChangeBeforeOneIsInIt) {
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return fleet_->ConfirmedAt("compute-a") >
               absl::Now() - absl::Seconds(3);
      },
      std::chrono::seconds(10)));
  const std::string xml_path = dir_.path() + "/fleet-vm.xml";
  testing::WriteFile(xml_path, DomainXml());
  ASSERT_EQ(
      Virsh(libvirtd_.test_uri(), "define " + xml_path + "; start fleet-vm",
            dir_.path() + "/virsh.log"),
      0)
      << testing::ReadFile(dir_.path() + "/virsh.log");
  // Two heartbeats (1 s apart) after virsh returned: the agent had the
  // events when the second one ticked.
  const absl::Time started = absl::Now();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return fleet_->ConfirmedAt("compute-a") > started + absl::Seconds(1);
      },
      std::chrono::seconds(10)));
  std::optional<Server> known = Known(kNewUuid);
  ASSERT_TRUE(known.has_value());
  EXPECT_EQ(known->domain.state(), v1::DOMAIN_STATE_RUNNING);

  agent_a_->Signal(SIGKILL);
  agent_a_->Wait(std::chrono::seconds(5));
  EXPECT_TRUE(testing::WaitFor(
      [&] { return fleet_->ConfirmedAt("compute-a") == absl::InfinitePast(); },
      std::chrono::seconds(10)));
}

TEST_F(FleetTest, AgentKilled_ErrorsWithinTimeout_ThenRecoversOnRestart) {
  absl::StatusOr<Server> vnc = fleet_->Find(kNodeVnc);
  ASSERT_TRUE(vnc.ok()) << vnc.status();
  agent_b_->Signal(SIGKILL);
  agent_b_->Wait(std::chrono::seconds(5));
  ASSERT_TRUE(
      testing::WaitFor([&] { return !fleet_->AgentConnected("compute-b"); },
                       std::chrono::seconds(10)));
  EXPECT_FALSE(Known(kNodeVnc)->host_connected);  // kept, marked down
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<v1::GetConsoleResponse> console =
      fleet_->GetConsole(*vnc, v1::PROTOCOL_VNC, "req-down");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(absl::IsUnavailable(console.status()) ||
              absl::IsDeadlineExceeded(console.status()))
      << console.status();

  agent_b_ =
      StartAgent("test://" + testing::WriteWorkedExampleNode(dir_.path()),
                 port_b_, dir_.path() + "/b2.log");
  ASSERT_TRUE(
      testing::WaitFor([&] { return fleet_->AgentConnected("compute-b"); },
                       std::chrono::seconds(10)));
  EXPECT_TRUE(Known(kNodeVnc)->host_connected);
  EXPECT_TRUE(fleet_->GetConsole(*vnc, v1::PROTOCOL_VNC, "req-up").ok());
}

TEST_F(FleetTest, SetAgents_RemovedAgentsServersAreForgotten) {
  ASSERT_TRUE(Known(kNodeVnc).has_value());
  fleet_->SetAgents({{"compute-a", "127.0.0.1:" + std::to_string(port_a_)}});
  EXPECT_FALSE(Known(kNodeVnc).has_value());
  EXPECT_TRUE(fleet_->AgentConnected("compute-a"));
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The streams run on gRPC's callback API: a controller following many
// agents does not hold a thread for each (issue 12: 10,000 hosts).
TEST(FleetThreads, ManyAgentsDown_NoThreadPerAgent_StopsPromptly) {
  constexpr int kAgents = 300;
  FleetOptions options;
  for (int i = 0; i < kAgents; ++i) {
    // A port nothing listens on: every attempt fails and is retried.
    options.agents.push_back(
        {"compute-" + std::to_string(i),
         "127.0.0.1:" + std::to_string(testing::PickFreePort())});
  }
  options.reconnect_max_backoff = absl::Milliseconds(300);
  testing::StderrCapture capture;
  const int before = testing::ProcStatusField(0, "Threads");
  Fleet fleet(options, nullptr);
  ASSERT_TRUE(fleet.Start().ok());
  // Every link has tried and failed at least once (one warning each).
  ASSERT_TRUE(testing::WaitFor(
      [&] { return Count(capture.Read(), "agent unreachable") >= kAgents; },
      std::chrono::seconds(20)));
  EXPECT_LT(testing::ProcStatusField(0, "Threads") - before, 40);
  const auto start = std::chrono::steady_clock::now();
  fleet.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  for (int i = 0; i < kAgents; ++i) {
    EXPECT_FALSE(fleet.AgentConnected("compute-" + std::to_string(i)));
  }
}

TEST(ParseAgentHosts, NamesAndAddresses) {
  auto agents = ParseAgentHosts(" c1=10.0.0.1:16520 , c2=[fd00::2]:16520,");
  ASSERT_TRUE(agents.ok()) << agents.status();
  ASSERT_EQ(agents->size(), 2u);
  EXPECT_EQ((*agents)[0].name, "c1");
  EXPECT_EQ((*agents)[1].address, "[fd00::2]:16520");
  EXPECT_FALSE(ParseAgentHosts("c1").ok());
  EXPECT_FALSE(ParseAgentHosts("c1=host").ok());
  EXPECT_FALSE(ParseAgentHosts("c1=h:1,c1=h:2").ok());
  EXPECT_TRUE(ParseAgentHosts("")->empty());
}

}  // namespace
}  // namespace porthole::controller
