// LibvirtHost against a libvirtd of the test's own (tests/support/libvirtd.h):
// events from another process, daemon restart and hang faults, and a real
// QEMU guest whose VNC port must answer RFB.

#include "tests/support/libvirtd.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "agent/domain/inventory.h"
#include "agent/libvirt/libvirt_host.h"
#include "tests/agent/libvirt/test_domains.h"
#include "tests/support/child_process.h"
#include "tests/support/http_client.h"
#include "tests/support/loopback.h"

namespace porthole::agent {
namespace {

using ::porthole::agent::testing::DomainCleanup;
using ::porthole::agent::testing::LastLibvirtError;
using ::porthole::agent::testing::TestConnection;
using ::porthole::agent::testing::TestDomainXml;
using ::porthole::agent::testing::UniqueUuid;
using ::porthole::testing::ChildProcess;
using ::porthole::testing::CountOpenFds;
using ::porthole::testing::Libvirtd;
using ::porthole::testing::WaitFor;
using ::porthole::testing::WriteFile;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A figure for the report, in the test log and the XML output.
void Measure(const std::string& name, double seconds) {
  std::printf("[ MEASURE  ] %s = %.3f s\n", name.c_str(), seconds);
  ::testing::Test::RecordProperty(name, std::to_string(seconds));
}

v1::DomainState StateIn(const Inventory& inventory, const std::string& uuid) {
  std::optional<v1::Domain> d = inventory.Find(uuid);
  return d ? d->state() : v1::DOMAIN_STATE_UNSPECIFIED;
}

// Runs `f` on another thread; nullopt when it has not returned in `bound`
// (the thread is then left behind: the test fails rather than hangs).
template <typename F>
auto Bounded(F f, std::chrono::milliseconds bound)
    -> std::optional<decltype(f())> {
  auto task = std::make_shared<std::packaged_task<decltype(f())()>>(f);
  auto result = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (result.wait_for(bound) != std::future_status::ready) return std::nullopt;
  return result.get();
}

class LibvirtdTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog(); }

  void TearDown() override {
    if (HasFailure())
      std::printf("libvirtd log:\n%s\n", daemon_.ReadLog().c_str());
  }

  // Keepalive 1 s x 1: a hung daemon is noticed after about 2 s.
  LibvirtHostOptions Options(std::string uri) {
    LibvirtHostOptions options;
    options.uri = std::move(uri);
    options.read_only = true;
    options.open_timeout = absl::Seconds(2);
    options.keepalive_interval_seconds = 1;
    options.keepalive_count = 1;
    options.reconnect_min_backoff = absl::Milliseconds(100);
    options.reconnect_max_backoff = absl::Seconds(1);
    return options;
  }

  // Defines (and optionally starts) a test-driver domain through the daemon.
  bool DefineTestDomain(const std::string& uuid, bool start) {
    TestConnection conn(daemon_.test_uri());
    if (conn.get() == nullptr) return false;
    virDomainPtr dom = virDomainDefineXML(
        conn.get(), TestDomainXml("dom-" + uuid, uuid, "vm").c_str());
    if (dom == nullptr) return false;
    bool ok = !start || virDomainCreate(dom) == 0;
    virDomainFree(dom);
    return ok;
  }

  Libvirtd daemon_;
  Inventory inventory_;
};

int RunVirsh(const std::string& uri, const std::string& command,
             const std::string& log) {
  ChildProcess virsh({"virsh", "-q", "-c", uri, command}, {}, log);
  std::optional<int> status = virsh.Wait(20s);
  return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
}

TEST_F(LibvirtdTest,
       TestDriver_DomainChangedByAnotherProcess_ReachesInventory) {
  LibvirtHost host(Options(daemon_.test_uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  EXPECT_TRUE(host.connected());

  const std::string uuid = UniqueUuid();
  const std::string name = "virsh-" + uuid;
  const std::string xml_path = daemon_.dir() + "/domain.xml";
  const std::string log = daemon_.dir() + "/virsh.log";
  WriteFile(xml_path, TestDomainXml(name, uuid, "from-virsh"));

  ASSERT_EQ(RunVirsh(daemon_.test_uri(), "define " + xml_path, log), 0)
      << porthole::testing::ReadFile(log);
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_SHUTOFF; },
      5s));
  ASSERT_EQ(RunVirsh(daemon_.test_uri(), "start " + name, log), 0)
      << porthole::testing::ReadFile(log);
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_RUNNING; },
      5s));
  absl::StatusOr<v1::Domain> d = host.FetchDomain(uuid);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->display_name(), "from-virsh");
  EXPECT_EQ(d->state(), v1::DOMAIN_STATE_RUNNING);

  ASSERT_EQ(RunVirsh(daemon_.test_uri(), "destroy " + name, log), 0);
  ASSERT_EQ(RunVirsh(daemon_.test_uri(), "undefine " + name, log), 0);
  EXPECT_TRUE(WaitFor([&] { return !inventory_.Find(uuid).has_value(); }, 5s));
}

TEST_F(LibvirtdTest, Restart_HostNoticesReconnectsAndResyncs) {
  // Start and stop one host first, so that what the process keeps for its
  // lifetime (the event loop's wakeup fds) is in the baseline.
  {
    LibvirtHost warmup(Options(daemon_.test_uri()), &inventory_);
    ASSERT_TRUE(warmup.Start().ok());
  }
  const int fds_before = CountOpenFds();

  auto host =
      std::make_unique<LibvirtHost>(Options(daemon_.test_uri()), &inventory_);
  ASSERT_TRUE(host->Start().ok());
  const std::string before_restart = UniqueUuid();
  ASSERT_TRUE(DefineTestDomain(before_restart, true)) << LastLibvirtError();
  EXPECT_TRUE(
      WaitFor([&] { return inventory_.Find(before_restart).has_value(); }, 5s));

  auto stopped = Clock::now();
  daemon_.Stop();
  EXPECT_TRUE(WaitFor([&] { return !host->connected(); }, 5s));
  Measure("restart_detect_seconds", SecondsSince(stopped));
  EXPECT_TRUE(
      WaitFor([&] { return !inventory_.List().libvirt_connected(); }, 5s));
  EXPECT_EQ(host->FetchDomain(before_restart).status().code(),
            absl::StatusCode::kUnavailable);
  // The inventory keeps the last view while disconnected.
  EXPECT_TRUE(inventory_.Find(before_restart).has_value());

  ASSERT_TRUE(daemon_.Start()) << daemon_.ReadLog();
  auto restarted = Clock::now();
  EXPECT_TRUE(WaitFor(
      [&] {
        return host->connected() && inventory_.List().libvirt_connected();
      },
      10s));
  Measure("reconnect_after_restart_seconds", SecondsSince(restarted));
  // The test driver lost its state with the daemon: the resync says so.
  EXPECT_FALSE(inventory_.Find(before_restart).has_value());
  EXPECT_EQ(host->FetchDomain(before_restart).status().code(),
            absl::StatusCode::kNotFound);

  // Events flow again on the new connection.
  const std::string after_restart = UniqueUuid();
  ASSERT_TRUE(DefineTestDomain(after_restart, true)) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] {
        return StateIn(inventory_, after_restart) == v1::DOMAIN_STATE_RUNNING;
      },
      5s));
  absl::StatusOr<v1::Domain> d = host->FetchDomain(after_restart);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->state(), v1::DOMAIN_STATE_RUNNING);

  host.reset();
  // Every connection, old and new, is closed.
  EXPECT_TRUE(WaitFor([&] { return CountOpenFds() <= fds_before; }, 2s))
      << CountOpenFds() << " fds open, " << fds_before << " before";
}

TEST_F(LibvirtdTest, Sigstop_KeepaliveDetectsHangAndHostRecovers) {
  LibvirtHost host(Options(daemon_.test_uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  // The daemon's test:///default lives only while a connection is open, and
  // keepalive closes the hosts' ones: this one (no client keepalive) keeps
  // the domain alive through the hang.
  TestConnection keeper(daemon_.test_uri());
  ASSERT_NE(keeper.get(), nullptr) << LastLibvirtError();
  const std::string uuid = UniqueUuid();
  ASSERT_TRUE(DefineTestDomain(uuid, true)) << LastLibvirtError();
  ASSERT_TRUE(WaitFor([&] { return inventory_.Find(uuid).has_value(); }, 5s));
  // A second host, to be stopped while the daemon hangs and before keepalive
  // has noticed: its teardown talks to a daemon that never answers.
  Inventory other_inventory;
  auto other = std::make_unique<LibvirtHost>(Options(daemon_.test_uri()),
                                             &other_inventory);
  ASSERT_TRUE(other->Start().ok());

  daemon_.Pause();
  auto paused = Clock::now();

  auto stop_start = Clock::now();
  EXPECT_TRUE(Bounded([&] { return other->Stop(), true; }, 5s).has_value());
  Measure("stop_while_hung_seconds", SecondsSince(stop_start));
  EXPECT_LT(SecondsSince(stop_start), 1.5);

  EXPECT_TRUE(WaitFor([&] { return !host.connected(); }, 6s));
  Measure("sigstop_detect_seconds", SecondsSince(paused));
  EXPECT_TRUE(
      WaitFor([&] { return !inventory_.List().libvirt_connected(); }, 2s));

  auto fetch_start = Clock::now();
  auto fetched = Bounded([&] { return host.FetchDomain(uuid); }, 2s);
  ASSERT_TRUE(fetched.has_value()) << "FetchDomain hung";
  EXPECT_EQ(fetched->status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(SecondsSince(fetch_start), 0.5);

  // A host started now: its first virConnectOpen blocks, Start gives up
  // after open_timeout, and Stop still returns at once.
  {
    Inventory late_inventory;
    LibvirtHost late(Options(daemon_.test_uri()), &late_inventory);
    auto late_start = Clock::now();
    auto started = Bounded([&] { return late.Start(); }, 5s);
    ASSERT_TRUE(started.has_value()) << "Start hung";
    EXPECT_FALSE(started->ok());
    EXPECT_LT(SecondsSince(late_start), 3.0);
    auto late_stop = Clock::now();
    EXPECT_TRUE(Bounded([&] { return late.Stop(), true; }, 5s).has_value());
    EXPECT_LT(SecondsSince(late_stop), 1.0);
  }

  // Reconnect attempts keep failing without blocking anything.
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(host.connected());

  daemon_.Resume();
  auto resumed = Clock::now();
  EXPECT_TRUE(WaitFor(
      [&] { return host.connected() && inventory_.List().libvirt_connected(); },
      10s));
  Measure("recover_after_sigcont_seconds", SecondsSince(resumed));
  absl::StatusOr<v1::Domain> d = host.FetchDomain(uuid);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->state(), v1::DOMAIN_STATE_RUNNING);
  other.reset();
}

// Reads the 12-byte RFB greeting from 127.0.0.1:port.
std::string ReadRfbGreeting(int port) {
  int fd = porthole::testing::ConnectLoopback(port);
  if (fd < 0) return "";
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  char buf[12];
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = read(fd, buf + got, sizeof buf - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  return std::string(buf, got);
}

TEST_F(LibvirtdTest, QemuGuest_FetchDomainGivesLiveVncPortThatSpeaksRfb) {
  LibvirtHost host(Options(daemon_.qemu_uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  TestConnection conn(daemon_.qemu_uri());
  ASSERT_NE(conn.get(), nullptr) << LastLibvirtError();
  const std::string uuid = UniqueUuid();
  DomainCleanup cleanup(conn, uuid);
  const std::string xml =
      "<domain type='qemu'><name>guest-" + uuid + "</name><uuid>" + uuid +
      "</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64'>hvm</type></os>"
      "<on_reboot>destroy</on_reboot><devices>"
      "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
      "</devices></domain>";

  auto create_start = Clock::now();
  virDomainPtr dom = nullptr;
  // libvirt checks that a port is free before QEMU binds it: another process
  // can take it in between. Rare with the daemon's own port range; retried.
  for (int attempt = 0; attempt < 3 && dom == nullptr; ++attempt) {
    create_start = Clock::now();
    dom = virDomainCreateXML(conn.get(), xml.c_str(), 0);
    if (dom == nullptr && LastLibvirtError().find("Address already in use") ==
                              std::string::npos) {
      break;
    }
  }
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  Measure("qemu_guest_create_seconds", SecondsSince(create_start));
  virDomainFree(dom);

  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_RUNNING; },
      10s));
  absl::StatusOr<v1::Domain> d = host.FetchDomain(uuid);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->state(), v1::DOMAIN_STATE_RUNNING);
  const v1::Console* vnc = nullptr;
  for (const v1::Console& c : d->consoles()) {
    if (c.protocol() == v1::PROTOCOL_VNC) vnc = &c;
  }
  ASSERT_NE(vnc, nullptr) << d->DebugString();
  EXPECT_EQ(vnc->host(), "127.0.0.1");
  ASSERT_GE(vnc->port(), static_cast<uint32_t>(daemon_.vnc_port_min()));
  ASSERT_LT(vnc->port(), static_cast<uint32_t>(daemon_.vnc_port_min() + 16));
  const int port = static_cast<int>(vnc->port());
  std::string greeting;
  EXPECT_TRUE(WaitFor(
      [&] {
        greeting = ReadRfbGreeting(port);
        return !greeting.empty();
      },
      5s));
  EXPECT_EQ(greeting, "RFB 003.008\n");
  Measure("qemu_guest_rfb_seconds", SecondsSince(create_start));
  // The inventory saw the same port through events.
  std::optional<v1::Domain> seen = inventory_.Find(uuid);
  ASSERT_TRUE(seen.has_value());
  bool same_port = false;
  for (const v1::Console& c : seen->consoles()) {
    if (c.protocol() == v1::PROTOCOL_VNC && c.port() == vnc->port()) {
      same_port = true;
    }
  }
  EXPECT_TRUE(same_port) << seen->DebugString();

  // A transient guest that stops is gone.
  conn.Remove(uuid);
  EXPECT_TRUE(WaitFor([&] { return !inventory_.Find(uuid).has_value(); }, 10s));
}

}  // namespace
}  // namespace porthole::agent
