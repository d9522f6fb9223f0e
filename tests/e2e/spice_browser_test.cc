// End to end in a real browser through TLS to SPICE: a real porthole-agent
// on a libvirt test-driver node whose domain's SPICE graphics
// (defaultMode='secure', a plain and a TLS port) is a real QEMU with
// x509-dir and every channel secure, the Fleet over gRPC, a SQLite token
// store, the URL issued by the API's ConsoleIssuer, and the ConsoleProxy
// serving Debian's spice-html5 with [spice] tls_ca_certs. Headless Debian
// Chromium (tests/e2e/spice_console.js) must show the guest's screen, while
// QEMU itself refuses a plain connection (SPICE_LINK_ERR_NEED_SECURED).
// The proxy runs in this process, so its log is this test's stderr.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "controller/consoles/console_issuer.h"
#include "controller/fleet/fleet.h"
#include "controller/proxy/console_proxy.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/support/child_process.h"
#include "tests/support/headless_browser.h"
#include "tests/support/qemu_spice_guest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/stderr_capture.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using std::chrono::seconds;
using testing::ChildProcess;

constexpr char kVm[] = "e2e00000-0000-4000-8000-000000000002";

// `modes`: defaultMode and <channel> elements of the SPICE <graphics>.
std::string NodeXml(int port, int tls_port, const std::string& default_mode,
                    const std::string& channels) {
  return std::string("<node><domain type='test'><name>e2e-spice</name><uuid>") +
         kVm +
         "</uuid><memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='spice' port='" +
         std::to_string(port) + "' tlsPort='" + std::to_string(tls_port) +
         "' autoport='no' listen='127.0.0.1' defaultMode='" + default_mode +
         "'>" + channels + "</graphics></devices></domain></node>";
}

std::string U32Le(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8),
          static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}

class SpiceTlsBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StartQemu(",tls-channel=default", "secure", "");  // all channels secure
  }
  // A PKI, and QEMU with `spice_options`; the domain XML the agent reads
  // says the same with `default_mode` and `channels`.
  static void StartQemu(const std::string& spice_options,
                        const std::string& default_mode,
                        const std::string& channels) {
    default_mode_ = default_mode;
    channels_ = channels;
    pki_dir_ = new testing::TempDir();
    testing::TestPki pki(pki_dir_->path());
    ASSERT_TRUE(pki.Init()) << pki.error();
    ASSERT_TRUE(pki.IssueServer("server", "IP:127.0.0.1")) << pki.error();
    ca_ = pki.ca_cert();
    other_dir_ = new testing::TempDir();
    testing::TestPki other(other_dir_->path());
    ASSERT_TRUE(other.Init("Some other CA")) << other.error();
    other_ca_ = other.ca_cert();
    testing::QemuSpiceGuest::Options options;
    options.x509_dir = pki.dir();
    options.spice_options = spice_options;
    qemu_ = testing::QemuSpiceGuest::Start(options).release();
  }
  static void TearDownTestSuite() {
    delete qemu_;  // SIGKILL by PID, then reaped
    qemu_ = nullptr;
    delete pki_dir_;
    pki_dir_ = nullptr;
    delete other_dir_;
    other_dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(qemu_, nullptr);
    ASSERT_EQ(access((testing::SourceDir() +
                      "/tests/e2e/node_modules/playwright-core")
                         .c_str(),
                     R_OK),
              0)
        << "run `npm ci` in tests/e2e (scripts/install-deps does)";
    ASSERT_EQ(access("/usr/bin/chromium", X_OK), 0)
        << "apt-get install chromium";
    ASSERT_EQ(access("/usr/share/spice-html5/spice_auto.html", R_OK), 0)
        << "apt-get install spice-html5";

    testing::WriteFile(
        dir_.path() + "/node.xml",
        NodeXml(qemu_->port(), qemu_->tls_port(), default_mode_, channels_));
    const int agent_port = testing::PickFreePort();
    agent_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            testing::AgentBinary(), "--config", "/dev/null", "--libvirt-uri",
            "test://" + dir_.path() + "/node.xml", "--listen",
            "127.0.0.1:" + std::to_string(agent_port)},
        std::vector<std::string>{}, dir_.path() + "/agent.log");
    ASSERT_TRUE(testing::WaitForTcpPort("127.0.0.1", agent_port, seconds(10)));
    FleetOptions fleet_options;
    fleet_options.agents = {
        {"compute-e2e", "127.0.0.1:" + std::to_string(agent_port)}};
    fleet_ = std::make_unique<Fleet>(
        fleet_options, [](const std::string&, std::string_view) {});
    ASSERT_TRUE(fleet_->Start().ok());
    ASSERT_TRUE(
        testing::WaitFor([&] { return fleet_->Find(kVm).ok(); }, seconds(10)));

    auto store = SqliteTokenStore::Open(dir_.path() + "/tokens.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    StartProxy(ca_);
  }

  void TearDown() override {
    if (proxy_) proxy_->Stop(absl::ZeroDuration());
    if (fleet_) fleet_->Stop();
  }

  void StartProxy(const std::string& ca) {
    if (proxy_) proxy_->Stop(absl::ZeroDuration());
    ProxyOptions options;
    options.novnc.enabled = false;
    options.spice = {true, {"127.0.0.1", 0}, "/usr/share/spice-html5"};
    options.serial.enabled = false;
    options.spice_security.ca_certs = ca;
    proxy_ =
        std::make_unique<ConsoleProxy>(options, store_.get(), fleet_.get());
    absl::Status started = proxy_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  // The URL the API answers for `os-getSPICEConsole`.
  std::string IssueUrl() {
    ConsoleOptions console_options;
    console_options.html5proxy_base_url =
        "http://127.0.0.1:" +
        std::to_string(proxy_->port(ProxyKind::kSpiceHtml5)) +
        "/spice_auto.html";
    ConsoleIssuer issuer(console_options, store_.get(), nullptr);
    absl::StatusOr<Server> server = fleet_->Find(kVm);
    EXPECT_TRUE(server.ok()) << server.status();
    auto answer = fleet_->GetConsole(*server, v1::PROTOCOL_SPICE, "req-e2e");
    EXPECT_TRUE(answer.ok()) << answer.status();
    auto url =
        issuer.Issue(*server, {v1::PROTOCOL_SPICE, "spice-html5"}, *answer);
    EXPECT_TRUE(url.ok()) << url.status();
    return url.value_or("");
  }

  std::pair<int, std::string> Browse(const std::string& url,
                                     const std::string& expectation) {
    return testing::RunBrowserScript("spice_console.js", url, expectation,
                                     dir_.path());
  }

  static inline testing::TempDir* pki_dir_ = nullptr;
  static inline testing::TempDir* other_dir_ = nullptr;
  static inline std::string default_mode_;
  static inline std::string channels_;
  static inline std::string ca_;
  static inline std::string other_ca_;
  static inline testing::QemuSpiceGuest* qemu_ = nullptr;
  testing::TempDir dir_;
  std::unique_ptr<ChildProcess> agent_;
  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<SqliteTokenStore> store_;
  std::unique_ptr<ConsoleProxy> proxy_;
};

TEST_F(SpiceTlsBrowserTest, ApiUrl_ShowsTheScreenOverTlsWhileQemuRefusesPlain) {
  // A SPICE client on QEMU's plain port: the main channel's link is
  // refused with SPICE_LINK_ERR_NEED_SECURED (5) after the 16-byte header.
  testing::RawSocket direct;
  ASSERT_TRUE(direct.Connect(qemu_->port()));
  const std::string mess =
      U32Le(0) + std::string("\x01\x00", 2) + U32Le(0) + U32Le(0) + U32Le(18);
  ASSERT_TRUE(
      direct.Send("REDQ" + U32Le(2) + U32Le(2) + U32Le(mess.size()) + mess));
  const std::string reply = direct.ReadFor(std::chrono::milliseconds(500));
  ASSERT_GE(reply.size(), 20u);
  EXPECT_EQ(reply.substr(0, 4), "REDQ");
  EXPECT_EQ(reply.substr(16, 4), U32Le(5));

  testing::StderrCapture capture;
  const std::string url = IssueUrl();
  ASSERT_NE(url.find("/spice_auto.html?token="), std::string::npos) << url;
  auto [status, report] = Browse(url, "connected");
  std::cout << "browser: " << report;
  EXPECT_EQ(status, 0) << report;
  const std::string log = capture.Read();
  EXPECT_EQ(log.find("console security failed"), std::string::npos) << log;
  EXPECT_NE(log.find("session opened listener=spice-html5"), std::string::npos)
      << log;
  EXPECT_NE(log.find(":" + std::to_string(qemu_->tls_port())),
            std::string::npos)
      << log;
}

TEST_F(SpiceTlsBrowserTest, WrongCa_PageFailsProxyLogsTheCause) {
  StartProxy(other_ca_);
  testing::StderrCapture capture;
  auto [status, report] = Browse(IssueUrl(), "failed");
  std::cout << "browser: " << report;
  EXPECT_EQ(status, 0) << report;
  const std::string log = capture.Read();
  EXPECT_NE(log.find("cause=server-cert-untrusted"), std::string::npos) << log;
  EXPECT_EQ(log.find("session opened"), std::string::npos) << log;
}

// The spec's worked example (shared/spec/libvirt.md): main secure, inputs
// insecure, the others either port (QEMU's tls-channel=main and
// plaintext-channel=inputs). No single port serves every channel: the proxy
// picks per WebSocket from the SPICE link message.
class SpiceMixedChannelsBrowserTest : public SpiceTlsBrowserTest {
 protected:
  static void SetUpTestSuite() {
    StartQemu(",tls-channel=main,plaintext-channel=inputs", "any",
              "<channel name='main' mode='secure'/>"
              "<channel name='inputs' mode='insecure'/>");
  }
};

TEST_F(SpiceMixedChannelsBrowserTest, ApiUrl_ShowsTheScreenOverBothPorts) {
  testing::StderrCapture capture;
  auto [status, report] = Browse(IssueUrl(), "connected");
  std::cout << "browser: " << report;
  EXPECT_EQ(status, 0) << report;
  const std::string log = capture.Read();
  EXPECT_EQ(log.find("console security failed"), std::string::npos) << log;
  EXPECT_EQ(log.find("console unreachable"), std::string::npos) << log;
  // main over TLS, the display (and inputs) on the plain port.
  EXPECT_NE(
      log.find("console=127.0.0.1:" + std::to_string(qemu_->tls_port()) + " "),
      std::string::npos)
      << log;
  EXPECT_NE(
      log.find("console=127.0.0.1:" + std::to_string(qemu_->port()) + " "),
      std::string::npos)
      << log;
}

}  // namespace
}  // namespace porthole::controller
