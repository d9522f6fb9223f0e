// End to end in a real browser: a real porthole-agent on a libvirt test-driver
// node whose domain's VNC port is a real QEMU (SeaBIOS screen), the Fleet over
// gRPC, a SQLite token store, tokens issued by the API's ConsoleIssuer, and
// the ConsoleProxy serving Debian's noVNC. Headless Debian Chromium, driven by
// playwright-core (tests/e2e/novnc_console.js), opens the URL the API would
// return and must show the guest's screen. The controller binary is not used
// here: the proxy runs in this process, so its log is this test's stderr.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>

#include "controller/consoles/console_issuer.h"
#include "controller/fleet/fleet.h"
#include "controller/proxy/console_proxy.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/support/child_process.h"
#include "tests/support/headless_browser.h"
#include "tests/support/qemu_vnc_guest.h"
#include "tests/support/stderr_capture.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;

constexpr char kVm[] = "e2e00000-0000-4000-8000-000000000001";

std::string NodeXml(int vnc_port) {
  return std::string("<node><domain type='test'><name>e2e-vm</name><uuid>") +
         kVm +
         "</uuid><memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='vnc' port='" +
         std::to_string(vnc_port) +
         "' autoport='no' listen='127.0.0.1'/></devices></domain></node>";
}

class NoVncBrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartQemu(); }
  static void TearDownTestSuite() {
    delete qemu_;
    qemu_ = nullptr;
    vnc_security_ = VncSecurityOptions();
  }
  // The guest, with QEMU arguments and VNC options (TLS) when given.
  static void StartQemu(const std::vector<std::string>& args = {},
                        const std::string& vnc_options = "") {
    qemu_ = testing::QemuVncGuest::Start(60, args, vnc_options).release();
    if (qemu_ != nullptr) vnc_port_ = qemu_->vnc_port();
  }

  void SetUp() override {
    ASSERT_NE(qemu_, nullptr);
    ASSERT_TRUE(testing::WaitForTcpPort("127.0.0.1", vnc_port_, seconds(10)));
    node_modules_ = testing::SourceDir() + "/tests/e2e/node_modules";
    ASSERT_EQ(access((node_modules_ + "/playwright-core").c_str(), R_OK), 0)
        << "run `npm ci` in tests/e2e (scripts/install-deps does)";
    ASSERT_EQ(access("/usr/bin/chromium", X_OK), 0)
        << "apt-get install chromium";
    ASSERT_EQ(access("/usr/share/novnc/vnc_lite.html", R_OK), 0)
        << "apt-get install novnc";

    testing::WriteFile(dir_.path() + "/node.xml", NodeXml(vnc_port_));
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

    ProxyOptions options;
    options.novnc = {true, {"127.0.0.1", 0}, "/usr/share/novnc"};
    options.spice.enabled = false;
    options.serial.enabled = false;
    options.vnc = vnc_security_;
    proxy_ =
        std::make_unique<ConsoleProxy>(options, store_.get(), fleet_.get());
    absl::Status started = proxy_->Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  void TearDown() override {
    if (proxy_) proxy_->Stop(absl::ZeroDuration());
    if (fleet_) fleet_->Stop();
  }

  // The URL the API answers for `os-getVNCConsole`, issued by the API's own
  // ConsoleIssuer; `clock_offset` backdates it (an expired token).
  std::string IssueUrl(int64_t clock_offset = 0) {
    ConsoleOptions console_options;
    console_options.novncproxy_base_url =
        "http://127.0.0.1:" + std::to_string(proxy_->port(ProxyKind::kNoVnc)) +
        "/vnc_lite.html";
    ConsoleIssuer issuer(console_options, store_.get(), [clock_offset] {
      return static_cast<int64_t>(time(nullptr)) + clock_offset;
    });
    absl::StatusOr<Server> server = fleet_->Find(kVm);
    EXPECT_TRUE(server.ok()) << server.status();
    auto answer = fleet_->GetConsole(*server, v1::PROTOCOL_VNC, "req-e2e");
    EXPECT_TRUE(answer.ok()) << answer.status();
    auto url = issuer.Issue(*server, {v1::PROTOCOL_VNC, "novnc"}, *answer);
    EXPECT_TRUE(url.ok()) << url.status();
    return url.value_or("");
  }

  // Runs the browser; returns its exit status and one-line report.
  std::pair<int, std::string> Browse(const std::string& url,
                                     const std::string& expectation) {
    return testing::RunBrowserScript("novnc_console.js", url, expectation,
                                     dir_.path());
  }

  static inline testing::QemuVncGuest* qemu_ = nullptr;
  static inline int vnc_port_ = 0;
  static inline VncSecurityOptions vnc_security_;  // the proxy's [vnc]
  testing::TempDir dir_;
  std::string node_modules_;
  std::unique_ptr<ChildProcess> agent_;
  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<SqliteTokenStore> store_;
  std::unique_ptr<ConsoleProxy> proxy_;
};

TEST_F(NoVncBrowserTest, ApiUrl_OpensLiveConsoleInChromium) {
  const std::string url = IssueUrl();
  ASSERT_NE(url.find("/vnc_lite.html?path=%3Ftoken%3D"), std::string::npos)
      << url;
  auto [status, report] = Browse(url, "connected");
  std::cout << "browser: " << report;
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(report.find("status=\"Connected"), std::string::npos) << report;
}

TEST_F(NoVncBrowserTest, BadToken_PageShowsFailureAndProxyLogsTokenInvalid) {
  std::string url = IssueUrl();
  url = url.substr(0, url.find("%3Ftoken%3D")) +
        "%3Ftoken%3D00000000-0000-4000-8000-000000000000";
  testing::StderrCapture capture;
  auto [status, report] = Browse(url, "failed");
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(capture.Read().find("reason=token-invalid"), std::string::npos)
      << capture.Read();
}

TEST_F(NoVncBrowserTest, ExpiredToken_PageShowsFailureAndProxyLogsExpiry) {
  const std::string url = IssueUrl(/*clock_offset=*/-3600);
  testing::StderrCapture capture;
  auto [status, report] = Browse(url, "failed");
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(capture.Read().find("reason=token-expired"), std::string::npos)
      << capture.Read();
}

// The same through VeNCrypt: QEMU with tls-creds-x509 demanding the proxy's
// client certificate, certificates made by openssl for the run.
class NoVncVencryptBrowserTest : public NoVncBrowserTest {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new testing::TempDir();
    testing::TestPki pki(pki_dir_->path());
    ASSERT_TRUE(pki.Init()) << pki.error();
    ASSERT_TRUE(pki.IssueServer("server", "IP:127.0.0.1")) << pki.error();
    ASSERT_TRUE(pki.IssueClient("client", "porthole-proxy")) << pki.error();
    vnc_security_.auth_schemes = {VncAuthScheme::kVeNCrypt};
    vnc_security_.ca_certs = pki.ca_cert();
    vnc_security_.client_cert = pki.cert("client");
    vnc_security_.client_key = pki.key("client");
    StartQemu({"-object", "tls-creds-x509,id=tls0,dir=" + pki.dir() +
                              ",endpoint=server,verify-peer=on"},
              ",tls-creds=tls0");
  }
  static void TearDownTestSuite() {
    NoVncBrowserTest::TearDownTestSuite();
    delete pki_dir_;
    pki_dir_ = nullptr;
  }

  static inline testing::TempDir* pki_dir_ = nullptr;
};

TEST_F(NoVncVencryptBrowserTest, ApiUrl_ShowsTheScreenThroughVencrypt) {
  testing::StderrCapture capture;
  auto [status, report] = Browse(IssueUrl(), "connected");
  std::cout << "browser: " << report;
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(report.find("status=\"Connected"), std::string::npos) << report;
  EXPECT_EQ(capture.Read().find("console security failed"), std::string::npos)
      << capture.Read();
}

TEST_F(NoVncVencryptBrowserTest, NoClientCert_PageFailsProxyLogsTheCause) {
  proxy_->Stop(absl::ZeroDuration());
  ProxyOptions options;
  options.novnc = {true, {"127.0.0.1", 0}, "/usr/share/novnc"};
  options.spice.enabled = false;
  options.serial.enabled = false;
  options.vnc = vnc_security_;
  options.vnc.client_cert.clear();
  options.vnc.client_key.clear();
  proxy_ = std::make_unique<ConsoleProxy>(options, store_.get(), fleet_.get());
  ASSERT_TRUE(proxy_->Start().ok());
  testing::StderrCapture capture;
  auto [status, report] = Browse(IssueUrl(), "failed");
  EXPECT_EQ(status, 0) << report;
  EXPECT_NE(capture.Read().find("cause=no-client-cert"), std::string::npos)
      << capture.Read();
}

}  // namespace
}  // namespace porthole::controller
