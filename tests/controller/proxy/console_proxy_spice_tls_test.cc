// The spice-html5 proxy with [spice] tls_ca_certs against real QEMU SPICE
// servers with x509-dir (a TLS port; secure channels, or a TLS port only):
// certificates made by `openssl` for this run, a raw WebSocket client that
// sends SPICE's link message as spice-html5 does, a real SQLite token store
// and the in-memory server directory.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "controller/proxy/console_proxy.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/qemu_spice_guest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/static_server_directory.h"
#include "tests/support/stderr_capture.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using testing::QemuSpiceGuest;
using testing::RawWebSocket;

constexpr char kSecureVm[] = "bbbbbbbb-0000-4000-8000-000000000001";
constexpr char kTlsOnlyVm[] = "bbbbbbbb-0000-4000-8000-000000000002";
constexpr char kNamedVm[] = "bbbbbbbb-0000-4000-8000-000000000003";
constexpr int64_t kNow = 1'800'000'000;
constexpr auto kAny = v1::SPICE_CHANNEL_MODE_ANY;
constexpr auto kSecure = v1::SPICE_CHANNEL_MODE_SECURE;
constexpr uint32_t kLinkOk = 0;           // SPICE_LINK_ERR_OK
constexpr uint32_t kLinkNeedSecured = 5;  // SPICE_LINK_ERR_NEED_SECURED

std::string U32Le(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8),
          static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}
uint32_t U32LeAt(const std::string& s, size_t i) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[i])) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[i + 1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[i + 2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[i + 3])) << 24;
}

constexpr char kMain = 1;
constexpr char kDisplay = 2;

// What a SPICE client sends first: the link header ("REDQ", protocol 2.2,
// size) and a SpiceLinkMess for `channel` (1 main, 2 display, ...) with no
// caps.
std::string ChannelLink(char channel = kMain) {
  const std::string mess = U32Le(0) + std::string(1, channel) +
                           std::string(1, '\0') + U32Le(0) + U32Le(0) +
                           U32Le(18);
  return "REDQ" + U32Le(2) + U32Le(2) + U32Le(mess.size()) + mess;
}

// The error code of a SpiceLinkReply (after the 16-byte header), or
// UINT32_MAX when `reply` is not one.
uint32_t LinkError(const std::string& reply) {
  if (reply.size() < 20 || reply.compare(0, 4, "REDQ") != 0) return UINT32_MAX;
  return U32LeAt(reply, 16);
}

// A SPICE console as the agent reports it: `default_mode` (libvirt's
// defaultMode) and, when `secure_main`, a <channel name='main'
// mode='secure'>.
Server MakeServer(const std::string& uuid, const std::string& host, int port,
                  int tls_port, v1::SpiceChannelMode default_mode,
                  bool secure_main = false) {
  Server s;
  s.domain.set_uuid(uuid);
  s.domain.set_state(v1::DOMAIN_STATE_RUNNING);
  v1::Console* c = s.domain.add_consoles();
  c->set_protocol(v1::PROTOCOL_SPICE);
  c->set_host(host);
  c->set_port(static_cast<uint32_t>(port));
  c->set_tls_port(static_cast<uint32_t>(tls_port));
  c->set_spice_default_mode(default_mode);
  if (secure_main) {
    v1::SpiceChannel* main = c->add_spice_channels();
    main->set_name("main");
    main->set_mode(v1::SPICE_CHANNEL_MODE_SECURE);
  }
  s.host = "compute-a";
  return s;
}

class ConsoleProxySpiceTlsTest : public ::testing::Test {
 protected:
  // One PKI and two QEMUs for the suite: a plain and a TLS port with the
  // main channel secure (tls-channel=main), and a TLS port only with every
  // channel secure (libvirt's defaultMode='secure').
  static void SetUpTestSuite() {
    pki_dir_ = new testing::TempDir();
    pki_ = new testing::TestPki(pki_dir_->path());
    ASSERT_TRUE(pki_->Init()) << pki_->error();
    ASSERT_TRUE(pki_->IssueServer("server", "IP:127.0.0.1")) << pki_->error();
    ASSERT_TRUE(pki_->IssueClient("client", "porthole-proxy")) << pki_->error();
    other_dir_ = new testing::TempDir();
    testing::TestPki other(other_dir_->path());
    ASSERT_TRUE(other.Init("Some other CA")) << other.error();
    other_ca_ = other.ca_cert();

    QemuSpiceGuest::Options secure;
    secure.x509_dir = pki_->dir();
    secure.spice_options = ",tls-channel=main";
    secure_qemu_ = QemuSpiceGuest::Start(secure).release();
    ASSERT_NE(secure_qemu_, nullptr);
    QemuSpiceGuest::Options tls_only;
    tls_only.plain_port = false;
    tls_only.x509_dir = pki_->dir();
    tls_only.spice_options = ",tls-channel=default";
    tls_only_qemu_ = QemuSpiceGuest::Start(tls_only).release();
    ASSERT_NE(tls_only_qemu_, nullptr);
  }
  static void TearDownTestSuite() {
    delete secure_qemu_;  // SIGKILL by PID, then reaped
    delete tls_only_qemu_;
    delete pki_;
    delete pki_dir_;
    delete other_dir_;
  }

  void SetUp() override {
    ASSERT_NE(secure_qemu_, nullptr);
    ASSERT_NE(tls_only_qemu_, nullptr);
    auto store = SqliteTokenStore::Open(dir_.path() + "/tokens.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    // Main secure, the rest either port (QEMU's tls-channel=main): decided
    // per channel, after the 101.
    directory_.Upsert(MakeServer(kSecureVm, "127.0.0.1", secure_qemu_->port(),
                                 secure_qemu_->tls_port(), kAny, true));
    // Every channel secure, no plain port: decided before the 101.
    directory_.Upsert(MakeServer(kTlsOnlyVm, "127.0.0.1", 0,
                                 tls_only_qemu_->tls_port(), kSecure));
    // The TLS-only VM under a name its certificate does not carry.
    directory_.Upsert(MakeServer(kNamedVm, "localhost", 0,
                                 tls_only_qemu_->tls_port(), kSecure));
    options_.novnc.enabled = false;
    options_.spice = {true, {"127.0.0.1", 0}, ""};
    options_.serial.enabled = false;
    options_.handshake_timeout = absl::Seconds(5);
    options_.spice_security.ca_certs = pki_->ca_cert();
  }

  void TearDown() override {
    if (proxy_) proxy_->Stop(absl::ZeroDuration());
  }

  void StartProxy() {
    proxy_ = std::make_unique<ConsoleProxy>(options_, store_.get(), &directory_,
                                            [] { return kNow; });
    absl::Status s = proxy_->Start();
    ASSERT_TRUE(s.ok()) << s;
  }

  // A spice-html5 token for `uuid`'s console, as the API stores it.
  std::string Token(const std::string& uuid) {
    absl::StatusOr<Server> server = directory_.Find(uuid);
    EXPECT_TRUE(server.ok());
    const v1::Console& console = server->domain.consoles(0);
    std::string token = NewConsoleToken();
    ConsoleAuthRecord r;
    r.token_hash = HashConsoleToken(token);
    r.console_type = "spice-html5";
    r.host = console.host();
    r.port = console.port();
    if (console.tls_port() != 0) r.tls_port = console.tls_port();
    r.instance_uuid = uuid;
    r.compute_host = "compute-a";
    r.access_url_base = "http://127.0.0.1:6082/spice_auto.html";
    r.expires = kNow + 600;
    EXPECT_TRUE(store_->Insert(r).ok());
    return token;
  }

  // The upgrade's answer for a session on `uuid`.
  RawWebSocket::Head Upgrade(RawWebSocket& ws, const std::string& uuid) {
    EXPECT_TRUE(ws.Connect(proxy_->port(ProxyKind::kSpiceHtml5)));
    auto head = ws.Upgrade("/?token=" + Token(uuid));
    EXPECT_TRUE(head.has_value());
    return head.value_or(RawWebSocket::Head{});
  }

  // Opens a session on `uuid` and links `channel` as spice-html5 does;
  // QEMU's SpiceLinkReply error code (UINT32_MAX: none).
  uint32_t LinkThroughProxy(const std::string& uuid, char channel = kMain) {
    RawWebSocket ws;
    RawWebSocket::Head head = Upgrade(ws, uuid);
    if (head.status != 101) {
      ADD_FAILURE() << head.status_line;
      return UINT32_MAX;
    }
    if (!ws.SendBinary(ChannelLink(channel))) return UINT32_MAX;
    std::string reply;
    while (reply.size() < 20) {
      auto frame = ws.ReadDataFrame();
      if (!frame.has_value() || frame->opcode != 2) break;
      reply += frame->payload;
    }
    return LinkError(reply);
  }

  // A refused upgrade: 502 console-tls-failed before any WebSocket byte,
  // one `console security failed` line with `cause`, nothing left open.
  void ExpectTlsRefused(const std::string& uuid, const std::string& cause) {
    testing::StderrCapture capture;
    {
      RawWebSocket ws;
      RawWebSocket::Head head = Upgrade(ws, uuid);
      EXPECT_EQ(head.status, 502) << head.status_line;
      EXPECT_EQ(head.Header("x-porthole-error"), "console-tls-failed");
      EXPECT_TRUE(ws.WaitForEof(std::chrono::seconds(5)));
    }
    EXPECT_TRUE(testing::WaitFor([&] { return proxy_->connections() == 0; },
                                 std::chrono::seconds(5)));
    EXPECT_EQ(proxy_->sessions(), 0u);
    const std::string log = capture.Read();
    size_t lines = 0;
    for (size_t at = log.find("console security failed");
         at != std::string::npos;
         at = log.find("console security failed", at + 1)) {
      ++lines;
    }
    EXPECT_EQ(lines, 1u) << log;
    EXPECT_NE(log.find("cause=" + cause), std::string::npos) << log;
    EXPECT_NE(log.find("listener=spice-html5"), std::string::npos) << log;
  }

  static inline testing::TempDir* pki_dir_ = nullptr;
  static inline testing::TempDir* other_dir_ = nullptr;
  static inline testing::TestPki* pki_ = nullptr;
  static inline std::string other_ca_;
  static inline QemuSpiceGuest* secure_qemu_ = nullptr;
  static inline QemuSpiceGuest* tls_only_qemu_ = nullptr;
  testing::TempDir dir_;
  std::unique_ptr<SqliteTokenStore> store_;
  StaticServerDirectory directory_;
  ProxyOptions options_;
  std::unique_ptr<ConsoleProxy> proxy_;
};

TEST_F(ConsoleProxySpiceTlsTest,
       SecureMainChannel_LinksThroughProxyWhileQemuRefusesItPlain) {
  // QEMU itself refuses the main channel on its plain port...
  testing::RawSocket direct;
  ASSERT_TRUE(direct.Connect(secure_qemu_->port()));
  ASSERT_TRUE(direct.Send(ChannelLink()));
  EXPECT_EQ(LinkError(direct.ReadFor(std::chrono::milliseconds(500))),
            kLinkNeedSecured);
  // ...and the proxy reaches it over TLS on the tls port, with no client
  // certificate (QEMU's SPICE server never asks for one).
  StartProxy();
  EXPECT_EQ(LinkThroughProxy(kSecureVm), kLinkOk);
}

TEST_F(ConsoleProxySpiceTlsTest, MixedChannels_EachGoesToThePortItsModeAllows) {
  StartProxy();
  testing::StderrCapture capture;
  const std::string plain =
      "console=127.0.0.1:" + std::to_string(secure_qemu_->port()) + " ";
  const std::string tls =
      "console=127.0.0.1:" + std::to_string(secure_qemu_->tls_port()) + " ";
  EXPECT_EQ(LinkThroughProxy(kSecureVm, kDisplay), kLinkOk);  // any: plain
  EXPECT_TRUE(testing::WaitFor(
      [&] { return capture.Read().find(plain) != std::string::npos; },
      std::chrono::seconds(5)))
      << capture.Read();
  EXPECT_EQ(capture.Read().find(tls), std::string::npos) << capture.Read();
  EXPECT_EQ(LinkThroughProxy(kSecureVm, kMain), kLinkOk);  // secure: TLS
  EXPECT_TRUE(testing::WaitFor(
      [&] { return capture.Read().find(tls) != std::string::npos; },
      std::chrono::seconds(5)))
      << capture.Read();
}

TEST_F(ConsoleProxySpiceTlsTest, MixedChannels_WrongCa_ClosesWithTheCause) {
  options_.spice_security.ca_certs = other_ca_;
  StartProxy();
  testing::StderrCapture capture;
  {
    RawWebSocket ws;
    RawWebSocket::Head head = Upgrade(ws, kSecureVm);
    ASSERT_EQ(head.status, 101) << head.status_line;
    ASSERT_TRUE(ws.SendBinary(ChannelLink(kMain)));
    auto close = ws.ReadFrame();
    ASSERT_TRUE(close.has_value());
    EXPECT_EQ(close->opcode, 8);
    EXPECT_EQ(close->close_code(), 1011);
    ASSERT_TRUE(ws.SendFrame(8, close->payload.substr(0, 2)));
    EXPECT_TRUE(ws.WaitForEof(std::chrono::seconds(5)));
  }
  EXPECT_TRUE(testing::WaitFor([&] { return proxy_->connections() == 0; },
                               std::chrono::seconds(5)));
  const std::string log = capture.Read();
  EXPECT_NE(log.find("console security failed"), std::string::npos) << log;
  EXPECT_NE(log.find("cause=server-cert-untrusted"), std::string::npos) << log;
  EXPECT_EQ(log.find("session opened"), std::string::npos) << log;
}

TEST_F(ConsoleProxySpiceTlsTest, MixedChannels_NotSpice_IsClosedAndLogged) {
  StartProxy();
  testing::StderrCapture capture;
  RawWebSocket ws;
  RawWebSocket::Head head = Upgrade(ws, kSecureVm);
  ASSERT_EQ(head.status, 101) << head.status_line;
  ASSERT_TRUE(ws.SendBinary("RFB 003.008\n"));
  auto close = ws.ReadFrame();
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->opcode, 8);
  EXPECT_EQ(close->close_code(), 1002);
  const std::string log = capture.Read();
  EXPECT_NE(log.find("spice link failed"), std::string::npos) << log;
  EXPECT_NE(log.find("not a SPICE link message"), std::string::npos) << log;
  EXPECT_EQ(log.find("console unreachable"), std::string::npos) << log;
}

// A browser that closes a channel's socket before its link message (as
// spice-html5 does when the page goes away mid-connect) is the client
// leaving, not the console failing.
TEST_F(ConsoleProxySpiceTlsTest,
       MixedChannels_ClientLeavesBeforeLink_IsNoConsoleFailure) {
  StartProxy();
  testing::StderrCapture capture;
  {
    RawWebSocket ws;
    RawWebSocket::Head head = Upgrade(ws, kSecureVm);
    ASSERT_EQ(head.status, 101) << head.status_line;
    ASSERT_TRUE(ws.SendBinary("RED"));
  }
  EXPECT_TRUE(testing::WaitFor([&] { return proxy_->connections() == 0; },
                               std::chrono::seconds(5)));
  const std::string log = capture.Read();
  EXPECT_NE(log.find("spice link failed"), std::string::npos) << log;
  EXPECT_EQ(log.find("console unreachable"), std::string::npos) << log;
}

TEST_F(ConsoleProxySpiceTlsTest, TlsPortOnly_LinksWithAClientCertificate) {
  options_.spice_security.client_cert = pki_->cert("client");
  options_.spice_security.client_key = pki_->key("client");
  StartProxy();
  EXPECT_EQ(LinkThroughProxy(kTlsOnlyVm), kLinkOk);
}

TEST_F(ConsoleProxySpiceTlsTest, RequireSecure_UsesTlsEvenWhenNotDemanded) {
  // The console as an agent that saw no secure channel would report it.
  directory_.Upsert(MakeServer(kSecureVm, "127.0.0.1", secure_qemu_->port(),
                               secure_qemu_->tls_port(), kAny));
  options_.spice_security.require_secure = true;
  StartProxy();
  EXPECT_EQ(LinkThroughProxy(kSecureVm), kLinkOk);
}

TEST_F(ConsoleProxySpiceTlsTest, WrongCa_RefusedWithTheCauseInOneLogLine) {
  options_.spice_security.ca_certs = other_ca_;
  StartProxy();
  ExpectTlsRefused(kTlsOnlyVm, "server-cert-untrusted");
}

TEST_F(ConsoleProxySpiceTlsTest, VerifyHostname_NameNotInCertificate_Refused) {
  options_.spice_security.verify_hostname = true;
  StartProxy();
  ExpectTlsRefused(kNamedVm, "server-cert-name-mismatch");
  EXPECT_EQ(LinkThroughProxy(kTlsOnlyVm), kLinkOk);  // IP SAN matches
}

TEST_F(ConsoleProxySpiceTlsTest, TlsOnlyConsoleWithoutTlsConfigured_Refused) {
  options_.spice_security = SpiceSecurityOptions();
  StartProxy();
  testing::StderrCapture capture;
  RawWebSocket ws;
  RawWebSocket::Head head = Upgrade(ws, kTlsOnlyVm);
  EXPECT_EQ(head.status, 502) << head.status_line;
  EXPECT_EQ(head.Header("x-porthole-error"), "backend-unreachable");
  EXPECT_NE(capture.Read().find("tls_ca_certs"), std::string::npos);
}

TEST_F(ConsoleProxySpiceTlsTest, TlsPortRefusingConnections_IsUnreachable) {
  // A console whose tls port nothing listens on: refused, a 502.
  const int closed = testing::PickFreePort();
  directory_.Upsert(MakeServer(kTlsOnlyVm, "127.0.0.1", 0, closed, kSecure));
  StartProxy();
  RawWebSocket ws;
  RawWebSocket::Head head = Upgrade(ws, kTlsOnlyVm);
  EXPECT_EQ(head.status, 502) << head.status_line;
  EXPECT_EQ(head.Header("x-porthole-error"), "backend-unreachable");
  EXPECT_TRUE(testing::WaitFor([&] { return proxy_->connections() == 0; },
                               std::chrono::seconds(5)));
}

TEST_F(ConsoleProxySpiceTlsTest, ReloadCertificates_NewSessionsUseNewFiles) {
  // The CA file starts wrong; fixed on disk, it counts after a reload.
  const std::string ca = dir_.path() + "/ca.pem";
  testing::WriteFile(ca, testing::ReadFile(other_ca_));
  options_.spice_security.ca_certs = ca;
  StartProxy();
  ExpectTlsRefused(kTlsOnlyVm, "server-cert-untrusted");
  testing::WriteFile(ca, testing::ReadFile(pki_->ca_cert()));
  ASSERT_TRUE(proxy_->ReloadCertificates().ok());
  EXPECT_EQ(LinkThroughProxy(kTlsOnlyVm), kLinkOk);
  // A broken file is refused and the loaded CA stays.
  testing::WriteFile(ca, "not a certificate\n");
  absl::Status broken = proxy_->ReloadCertificates();
  EXPECT_FALSE(broken.ok());
  EXPECT_NE(broken.message().find("[spice] tls_ca_certs"), std::string::npos)
      << broken;
  EXPECT_EQ(LinkThroughProxy(kTlsOnlyVm), kLinkOk);
}

TEST_F(ConsoleProxySpiceTlsTest, MissingFilesOrBadCombination_StartFails) {
  options_.spice_security.client_cert = pki_->cert("client");
  options_.spice_security.client_key = dir_.path() + "/missing-key.pem";
  ConsoleProxy missing(options_, store_.get(), &directory_);
  absl::Status s = missing.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("[spice] tls_client_key"), std::string::npos) << s;
  options_.spice_security = SpiceSecurityOptions();
  options_.spice_security.require_secure = true;
  ConsoleProxy no_ca(options_, store_.get(), &directory_);
  s = no_ca.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("tls_ca_certs"), std::string::npos) << s;
}

}  // namespace
}  // namespace porthole::controller
