// LibvirtHost against libvirt's in-process test driver: node files the test
// writes (a private host per connection) and test:///default (one host shared
// by every connection in the process, so a second connection of the test's
// own can change domains and the host must learn of it through events).

#include "agent/libvirt/libvirt_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "agent/domain/inventory.h"
#include "tests/agent/libvirt/test_domains.h"
#include "tests/support/child_process.h"
#include "tests/support/domain_fixtures.h"

namespace porthole::agent {
namespace {

using ::porthole::agent::testing::DomainCleanup;
using ::porthole::agent::testing::kNovaNamespace;
using ::porthole::agent::testing::LastLibvirtError;
using ::porthole::agent::testing::TestConnection;
using ::porthole::agent::testing::TestDomainXml;
using ::porthole::agent::testing::UniqueUuid;
using ::porthole::testing::TempDir;
using ::porthole::testing::WaitFor;
using ::porthole::testing::WorkedExampleNodeXml;
using ::porthole::testing::WriteFile;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using namespace std::chrono_literals;

constexpr char kVncUuid[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSpiceUuid[] = "22222222-2222-4222-8222-222222222222";
constexpr char kOffUuid[] = "33333333-3333-4333-8333-333333333333";

LibvirtHostOptions TestOptions(std::string uri) {
  LibvirtHostOptions options;
  options.uri = std::move(uri);
  options.read_only = true;
  options.open_timeout = absl::Seconds(5);
  options.keepalive_interval_seconds = 1;  // the test driver refuses it
  options.keepalive_count = 1;
  options.reconnect_min_backoff = absl::Milliseconds(50);
  options.reconnect_max_backoff = absl::Milliseconds(500);
  options.heartbeat_interval = absl::ZeroDuration();  // see Heartbeat_ below
  return options;
}

const v1::Console* FindConsole(const v1::Domain& domain, v1::Protocol p) {
  for (const v1::Console& c : domain.consoles()) {
    if (c.protocol() == p) return &c;
  }
  return nullptr;
}

std::vector<std::string> Uuids(const std::vector<v1::Domain>& domains) {
  std::vector<std::string> out;
  for (const v1::Domain& d : domains) out.push_back(d.uuid());
  return out;
}

std::vector<std::string> Uuids(const v1::ListDomainsResponse& list) {
  return Uuids(
      std::vector<v1::Domain>(list.domains().begin(), list.domains().end()));
}

v1::DomainState StateIn(const Inventory& inventory, const std::string& uuid) {
  std::optional<v1::Domain> d = inventory.Find(uuid);
  return d ? d->state() : v1::DOMAIN_STATE_UNSPECIFIED;
}

// A host on a node file written into a fresh directory.
class NodeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_path_ = dir_.path() + "/node.xml";
    WriteFile(node_path_, WorkedExampleNodeXml());
  }
  std::string uri() const { return "test://" + node_path_; }

  TempDir dir_;
  std::string node_path_;
  Inventory inventory_;
};

TEST_F(NodeFileTest, Start_NodeFile_ConnectsAndResyncsEveryDomain) {
  std::vector<v1::ChangeType> changes;
  std::mutex changes_mu;
  v1::WatchDomainsResponse snapshot;
  inventory_.Subscribe(
      [&](const v1::WatchDomainsResponse& m) {
        std::lock_guard lock(changes_mu);
        changes.push_back(m.change());
      },
      &snapshot);

  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());

  EXPECT_TRUE(host.connected());
  EXPECT_FALSE(host.hostname().empty());
  v1::ListDomainsResponse list = inventory_.List();
  EXPECT_TRUE(list.libvirt_connected());
  EXPECT_EQ(list.hostname(), host.hostname());
  EXPECT_THAT(Uuids(list),
              UnorderedElementsAre(kVncUuid, kSpiceUuid, kOffUuid));
  EXPECT_EQ(StateIn(inventory_, kVncUuid), v1::DOMAIN_STATE_RUNNING);
  EXPECT_EQ(StateIn(inventory_, kSpiceUuid), v1::DOMAIN_STATE_RUNNING);
  EXPECT_EQ(StateIn(inventory_, kOffUuid), v1::DOMAIN_STATE_SHUTOFF);
  std::lock_guard lock(changes_mu);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.front(), v1::CHANGE_TYPE_RESYNCED);
}

TEST_F(NodeFileTest, Heartbeat_WhileConnected_EveryInterval_AfterTheResync) {
  std::vector<v1::ChangeType> changes;
  absl::Mutex changes_mu;
  v1::WatchDomainsResponse snapshot;
  inventory_.Subscribe(
      [&](const v1::WatchDomainsResponse& m) {
        absl::MutexLock lock(&changes_mu);
        changes.push_back(m.change());
      },
      &snapshot);
  LibvirtHostOptions options = TestOptions(uri());
  options.heartbeat_interval = absl::Milliseconds(20);
  LibvirtHost host(options, &inventory_);
  ASSERT_TRUE(host.Start().ok());
  auto heartbeats = [&] {
    absl::MutexLock lock(&changes_mu);
    return std::count(changes.begin(), changes.end(),
                      v1::CHANGE_TYPE_HEARTBEAT);
  };
  EXPECT_TRUE(WaitFor([&] { return heartbeats() >= 3; }, 5s));
  host.Stop();
  const auto after_stop = heartbeats();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(heartbeats(), after_stop);  // the timer went with the connection
  absl::MutexLock lock(&changes_mu);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.front(), v1::CHANGE_TYPE_RESYNCED);
}

TEST_F(NodeFileTest, FetchDomain_RunningVncDomain_ReadsLiveXmlAndState) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());

  absl::StatusOr<v1::Domain> d = host.FetchDomain(kVncUuid);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->uuid(), kVncUuid);
  EXPECT_EQ(d->name(), "instance-00000001");
  EXPECT_EQ(d->state(), v1::DOMAIN_STATE_RUNNING);
  EXPECT_EQ(d->display_name(), "vm-vnc");
  EXPECT_EQ(d->user_id(), "aaaaaaaa-0000-4000-8000-000000000001");
  EXPECT_EQ(d->project_id(), "bbbbbbbb-0000-4000-8000-000000000001");
  const v1::Console* vnc = FindConsole(*d, v1::PROTOCOL_VNC);
  ASSERT_NE(vnc, nullptr);
  EXPECT_EQ(vnc->host(), "127.0.0.1");
  EXPECT_EQ(vnc->port(), 5901u);
  const v1::Console* serial = FindConsole(*d, v1::PROTOCOL_SERIAL);
  ASSERT_NE(serial, nullptr);
  EXPECT_EQ(serial->port(), 10000u);
}

TEST_F(NodeFileTest, FetchDomain_WildcardListen_UsesXmlOptions) {
  LibvirtHostOptions options = TestOptions(uri());
  options.xml.proxyclient_address = "192.0.2.10";
  LibvirtHost host(options, &inventory_);
  ASSERT_TRUE(host.Start().ok());

  absl::StatusOr<v1::Domain> d = host.FetchDomain(kSpiceUuid);
  ASSERT_TRUE(d.ok()) << d.status();
  const v1::Console* spice = FindConsole(*d, v1::PROTOCOL_SPICE);
  ASSERT_NE(spice, nullptr);
  EXPECT_EQ(spice->host(), "192.0.2.10");
  EXPECT_EQ(spice->port(), 5902u);
  EXPECT_EQ(spice->tls_port(), 5903u);
}

TEST_F(NodeFileTest, FetchDomain_ShutOffDomain_ReportsShutoff) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());

  absl::StatusOr<v1::Domain> d = host.FetchDomain(kOffUuid);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->state(), v1::DOMAIN_STATE_SHUTOFF);
  EXPECT_EQ(d->display_name(), "vm-off");
  // Autoport on a domain that does not run: nothing to dial.
  EXPECT_EQ(FindConsole(*d, v1::PROTOCOL_VNC), nullptr);
}

TEST_F(NodeFileTest, FetchDomain_UnknownUuid_ReturnsNotFound) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());

  const std::string uuid = "99999999-9999-4999-8999-999999999999";
  absl::StatusOr<v1::Domain> d = host.FetchDomain(uuid);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(d.status().message(), "domain " + uuid + " not found");
}

TEST_F(NodeFileTest, FetchDomain_MalformedUuid_ReturnsInvalidArgument) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());

  EXPECT_EQ(host.FetchDomain("not-a-uuid").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(NodeFileTest, FetchAll_NodeFile_ReturnsEveryDomainWithState) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());

  absl::StatusOr<std::vector<v1::Domain>> all = host.FetchAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Uuids(*all),
              UnorderedElementsAre(kVncUuid, kSpiceUuid, kOffUuid));
  for (const v1::Domain& d : *all) {
    EXPECT_EQ(d.state(), d.uuid() == kOffUuid ? v1::DOMAIN_STATE_SHUTOFF
                                              : v1::DOMAIN_STATE_RUNNING);
  }
}

TEST_F(NodeFileTest, Start_DomainWithUnreadableXml_IsSkippedNotFatal) {
  // One more domain whose XML (big metadata) exceeds the parser's limit.
  std::string big =
      "<domain type='test'><name>too-big</name>"
      "<uuid>44444444-4444-4444-8444-444444444444</uuid>"
      "<metadata><x:blob xmlns:x='urn:porthole:test'>" +
      std::string(16 * 1024, 'x') +
      "</x:blob></metadata><memory unit='KiB'>65536</memory>"
      "<os><type arch='i686'>hvm</type></os></domain>";
  std::string node = WorkedExampleNodeXml();
  node.insert(node.rfind("</node>"), big);
  WriteFile(node_path_, node);
  LibvirtHostOptions options = TestOptions(uri());
  options.xml.max_bytes = 8 * 1024;
  LibvirtHost host(options, &inventory_);

  ASSERT_TRUE(host.Start().ok());
  EXPECT_THAT(Uuids(inventory_.List()),
              UnorderedElementsAre(kVncUuid, kSpiceUuid, kOffUuid));
  absl::StatusOr<std::vector<v1::Domain>> all = host.FetchAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 3u);
  EXPECT_FALSE(host.FetchDomain("44444444-4444-4444-8444-444444444444").ok());
}

TEST_F(NodeFileTest, Start_MissingNodeFile_FailsRetriesAndStopsPromptly) {
  LibvirtHost host(TestOptions("test://" + dir_.path() + "/missing.xml"),
                   &inventory_);
  absl::Status status = host.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("cannot connect to libvirt at test://"));
  EXPECT_FALSE(host.connected());
  EXPECT_FALSE(inventory_.List().libvirt_connected());
  absl::StatusOr<v1::Domain> d = host.FetchDomain(kVncUuid);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(d.status().message()),
              HasSubstr("libvirt connection to test://"));
  EXPECT_EQ(host.FetchAll().status().code(), absl::StatusCode::kUnavailable);

  // It keeps retrying in the background: once the file exists, it connects.
  WriteFile(dir_.path() + "/missing.xml", WorkedExampleNodeXml());
  EXPECT_TRUE(WaitFor([&] { return host.connected(); }, 10s));
  EXPECT_TRUE(
      WaitFor([&] { return inventory_.List().domains_size() == 3; }, 5s));

  auto before = std::chrono::steady_clock::now();
  host.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
}

TEST_F(NodeFileTest, Stop_Twice_IsIdempotentAndFetchIsUnavailable) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  host.Stop();
  host.Stop();
  EXPECT_FALSE(host.connected());
  EXPECT_EQ(host.FetchDomain(kVncUuid).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(host.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(NodeFileTest, Stop_WithoutStart_ReturnsAtOnce) {
  LibvirtHost host(TestOptions(uri()), &inventory_);
  auto before = std::chrono::steady_clock::now();
  host.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 100ms);
}

// test:///default: one host shared by every connection in this process.
class DefaultHostTest : public ::testing::Test {
 protected:
  static constexpr char kUri[] = "test:///default";
  Inventory inventory_;
};

TEST_F(DefaultHostTest, Lifecycle_ThroughAnotherConnection_TracksState) {
  LibvirtHost host(TestOptions(kUri), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  TestConnection conn(kUri);
  ASSERT_NE(conn.get(), nullptr) << LastLibvirtError();
  const std::string uuid = UniqueUuid();
  DomainCleanup cleanup(conn, uuid);

  virDomainPtr dom = virDomainDefineXML(
      conn.get(), TestDomainXml("lifecycle-" + uuid, uuid, "vm-life").c_str());
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_SHUTOFF; },
      5s));
  std::optional<v1::Domain> defined = inventory_.Find(uuid);
  ASSERT_TRUE(defined.has_value());
  EXPECT_EQ(defined->display_name(), "vm-life");

  ASSERT_EQ(virDomainCreate(dom), 0) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_RUNNING; },
      5s));
  std::optional<v1::Domain> running = inventory_.Find(uuid);
  ASSERT_TRUE(running.has_value());
  const v1::Console* vnc = FindConsole(*running, v1::PROTOCOL_VNC);
  ASSERT_NE(vnc, nullptr);
  EXPECT_EQ(vnc->port(), 5907u);

  ASSERT_EQ(virDomainSuspend(dom), 0) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_PAUSED; },
      5s));
  absl::StatusOr<v1::Domain> fetched = host.FetchDomain(uuid);
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(fetched->state(), v1::DOMAIN_STATE_PAUSED);

  ASSERT_EQ(virDomainResume(dom), 0) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_RUNNING; },
      5s));

  ASSERT_EQ(virDomainDestroy(dom), 0) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_SHUTOFF; },
      5s));

  ASSERT_EQ(virDomainUndefine(dom), 0) << LastLibvirtError();
  virDomainFree(dom);
  EXPECT_TRUE(WaitFor([&] { return !inventory_.Find(uuid).has_value(); }, 5s));
  EXPECT_EQ(host.FetchDomain(uuid).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(DefaultHostTest, TransientDomain_Destroyed_IsRemoved) {
  LibvirtHost host(TestOptions(kUri), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  TestConnection conn(kUri);
  ASSERT_NE(conn.get(), nullptr) << LastLibvirtError();
  const std::string uuid = UniqueUuid();
  DomainCleanup cleanup(conn, uuid);

  virDomainPtr dom = virDomainCreateXML(
      conn.get(),
      TestDomainXml("transient-" + uuid, uuid, "vm-transient").c_str(), 0);
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  EXPECT_TRUE(WaitFor(
      [&] { return StateIn(inventory_, uuid) == v1::DOMAIN_STATE_RUNNING; },
      5s));

  ASSERT_EQ(virDomainDestroy(dom), 0) << LastLibvirtError();
  virDomainFree(dom);
  EXPECT_TRUE(WaitFor([&] { return !inventory_.Find(uuid).has_value(); }, 5s));
}

TEST_F(DefaultHostTest, MetadataChanged_UpdatesDisplayName) {
  LibvirtHost host(TestOptions(kUri), &inventory_);
  ASSERT_TRUE(host.Start().ok());
  TestConnection conn(kUri);
  ASSERT_NE(conn.get(), nullptr) << LastLibvirtError();
  const std::string uuid = UniqueUuid();
  DomainCleanup cleanup(conn, uuid);
  virDomainPtr dom = virDomainCreateXML(
      conn.get(), TestDomainXml("meta-" + uuid, uuid, "before").c_str(), 0);
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  EXPECT_TRUE(WaitFor([&] { return inventory_.Find(uuid).has_value(); }, 5s));

  ASSERT_EQ(
      virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
                           "<instance><name>after</name></instance>", "nova",
                           kNovaNamespace, VIR_DOMAIN_AFFECT_LIVE),
      0)
      << LastLibvirtError();
  virDomainFree(dom);
  EXPECT_TRUE(WaitFor(
      [&] {
        std::optional<v1::Domain> d = inventory_.Find(uuid);
        return d && d->display_name() == "after";
      },
      5s));
}

TEST_F(DefaultHostTest, SeveralHosts_ShareTheEventLoop_AndStopIndependently) {
  Inventory other;
  auto first = std::make_unique<LibvirtHost>(TestOptions(kUri), &inventory_);
  LibvirtHost second(TestOptions(kUri), &other);
  ASSERT_TRUE(first->Start().ok());
  ASSERT_TRUE(second.Start().ok());
  TestConnection conn(kUri);
  ASSERT_NE(conn.get(), nullptr) << LastLibvirtError();

  const std::string a = UniqueUuid();
  DomainCleanup cleanup_a(conn, a);
  virDomainPtr dom = virDomainCreateXML(
      conn.get(), TestDomainXml("a-" + a, a, "a").c_str(), 0);
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  virDomainFree(dom);
  EXPECT_TRUE(WaitFor([&] { return inventory_.Find(a).has_value(); }, 5s));
  EXPECT_TRUE(WaitFor([&] { return other.Find(a).has_value(); }, 5s));

  // Destroying one host leaves the shared loop running for the other.
  first.reset();
  const std::string b = UniqueUuid();
  DomainCleanup cleanup_b(conn, b);
  dom = virDomainCreateXML(conn.get(), TestDomainXml("b-" + b, b, "b").c_str(),
                           0);
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  virDomainFree(dom);
  EXPECT_TRUE(WaitFor([&] { return other.Find(b).has_value(); }, 5s));
  EXPECT_FALSE(inventory_.Find(b).has_value());

  // With every host gone the loop stops; a new host starts it again.
  second.Stop();
  Inventory third_inventory;
  LibvirtHost third(TestOptions(kUri), &third_inventory);
  ASSERT_TRUE(third.Start().ok());
  const std::string c = UniqueUuid();
  DomainCleanup cleanup_c(conn, c);
  dom = virDomainCreateXML(conn.get(), TestDomainXml("c-" + c, c, "c").c_str(),
                           0);
  ASSERT_NE(dom, nullptr) << LastLibvirtError();
  virDomainFree(dom);
  EXPECT_TRUE(WaitFor([&] { return third_inventory.Find(c).has_value(); }, 5s));
}

}  // namespace
}  // namespace porthole::agent
