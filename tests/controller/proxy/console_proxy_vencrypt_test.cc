// The noVNC proxy with [vnc] auth_schemes = vencrypt against real QEMU VNC
// servers with tls-creds-x509 (verify-peer=on): certificates made by
// `openssl` for this run, a raw WebSocket client that speaks RFB as noVNC
// does, a real SQLite token store and the in-memory server directory.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "controller/proxy/console_proxy.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"
#include "tests/support/qemu_vnc_guest.h"
#include "tests/support/static_server_directory.h"
#include "tests/support/stderr_capture.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using testing::RawWebSocket;

constexpr char kTlsVm[] = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr char kPasswordVm[] = "aaaaaaaa-0000-4000-8000-000000000002";
constexpr char kPlainVm[] = "aaaaaaaa-0000-4000-8000-000000000003";
constexpr char kNamedVm[] = "aaaaaaaa-0000-4000-8000-000000000004";
constexpr char kSilentVm[] = "aaaaaaaa-0000-4000-8000-000000000005";
constexpr int64_t kNow = 1'800'000'000;
const std::string kV38 = "RFB 003.008\n";
const std::string kNegotiationFailed =
    "Unable to negotiate security with server";

std::string U32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}
uint16_t U16At(const std::string& s, size_t i) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[i]) << 8) |
                               static_cast<uint8_t>(s[i + 1]));
}

Server MakeServer(const std::string& uuid, const std::string& host, int port) {
  return RunningServer(uuid, v1::PROTOCOL_VNC, host,
                       static_cast<uint32_t>(port));
}

// The log line of a failed handshake holds `cause`.
void ExpectLogged(const std::string& log, const std::string& cause) {
  EXPECT_NE(log.find("console security failed"), std::string::npos) << log;
  EXPECT_NE(log.find("cause=" + cause), std::string::npos) << log;
}

class ConsoleProxyVencryptTest : public ::testing::Test {
 protected:
  // One PKI and three QEMUs for the suite: VeNCrypt X509None demanding a
  // client certificate, the same with a VNC password (X509VNC), and plain.
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

    const std::vector<std::string> creds = {
        "-object", "tls-creds-x509,id=tls0,dir=" + pki_->dir() +
                       ",endpoint=server,verify-peer=on"};
    tls_qemu_ =
        testing::QemuVncGuest::Start(70, creds, ",tls-creds=tls0").release();
    ASSERT_NE(tls_qemu_, nullptr);
    password_qemu_ =
        testing::QemuVncGuest::Start(70, creds, ",tls-creds=tls0,password=on")
            .release();
    ASSERT_NE(password_qemu_, nullptr);
    plain_qemu_ = testing::QemuVncGuest::Start(70).release();
    ASSERT_NE(plain_qemu_, nullptr);
  }
  static void TearDownTestSuite() {
    delete tls_qemu_;  // SIGKILL by PID, then reaped
    delete password_qemu_;
    delete plain_qemu_;
    delete pki_;
    delete pki_dir_;
    delete other_dir_;
  }

  void SetUp() override {
    auto store = SqliteTokenStore::Open(dir_.path() + "/tokens.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    directory_.Upsert(MakeServer(kTlsVm, "127.0.0.1", tls_qemu_->vnc_port()));
    directory_.Upsert(
        MakeServer(kPasswordVm, "127.0.0.1", password_qemu_->vnc_port()));
    directory_.Upsert(
        MakeServer(kPlainVm, "127.0.0.1", plain_qemu_->vnc_port()));
    // The TLS VM under a name its certificate does not carry.
    directory_.Upsert(MakeServer(kNamedVm, "localhost", tls_qemu_->vnc_port()));
    options_.novnc = {true, {"127.0.0.1", 0}, ""};
    options_.spice.enabled = false;
    options_.serial.enabled = false;
    options_.handshake_timeout = absl::Seconds(5);
    options_.vnc.auth_schemes = {VncAuthScheme::kVeNCrypt};
    options_.vnc.ca_certs = pki_->ca_cert();
    options_.vnc.client_cert = pki_->cert("client");
    options_.vnc.client_key = pki_->key("client");
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

  std::string Token(const std::string& uuid) {
    absl::StatusOr<Server> server = directory_.Find(uuid);
    EXPECT_TRUE(server.ok());
    std::string token = NewConsoleToken();
    ConsoleAuthRecord r;
    r.token_hash = HashConsoleToken(token);
    r.console_type = "novnc";
    r.host = server->domain.consoles(0).host();
    r.port = server->domain.consoles(0).port();
    r.instance_uuid = uuid;
    r.compute_host = "compute-a";
    r.access_url_base = "http://127.0.0.1:6080/vnc_lite.html";
    r.expires = kNow + 600;
    EXPECT_TRUE(store_->Insert(r).ok());
    return token;
  }

  // The WebSocket of a session on `uuid`'s console (101 asserted).
  void Open(RawWebSocket& ws, const std::string& uuid) {
    ASSERT_TRUE(ws.Connect(proxy_->port(ProxyKind::kNoVnc)));
    auto head = ws.Upgrade("/?token=" + Token(uuid));
    ASSERT_TRUE(head.has_value());
    ASSERT_EQ(head->status, 101) << head->status_line;
  }

  // The next binary payload (several frames may make one RFB message).
  std::string Read(RawWebSocket& ws, size_t bytes) {
    std::string got;
    while (got.size() < bytes) {
      auto frame = ws.ReadDataFrame();
      if (!frame.has_value() || frame->opcode != 2) break;
      got += frame->payload;
    }
    return got;
  }

  // What noVNC does up to its security choice: the version both ways, then
  // the one security type the proxy offers, None, is picked.
  void ChooseNone(RawWebSocket& ws, const std::string& extra = "") {
    EXPECT_EQ(Read(ws, 12), kV38);
    ASSERT_TRUE(ws.SendBinary(kV38));
    EXPECT_EQ(Read(ws, 2), std::string("\x01\x01", 2));
    ASSERT_TRUE(ws.SendBinary("\x01" + extra));
  }

  // From the SecurityResult to ServerInit, as noVNC sees them; asserts a
  // real framebuffer size.
  void ExpectScreen(RawWebSocket& ws, bool send_client_init = true) {
    EXPECT_EQ(Read(ws, 4), U32(0));  // SecurityResult: OK
    if (send_client_init) {
      ASSERT_TRUE(ws.SendBinary("\x01"));  // ClientInit: shared
    }
    const std::string init = Read(ws, 24);
    ASSERT_GE(init.size(), 24u);
    EXPECT_GT(U16At(init, 0), 0);  // width
    EXPECT_GT(U16At(init, 2), 0);  // height
  }

  // The failed SecurityResult noVNC shows, then a close frame, answered.
  void ExpectFailure(RawWebSocket& ws, const std::string& reason) {
    const std::string expected = U32(1) + U32(reason.size()) + reason;
    EXPECT_EQ(Read(ws, expected.size()), expected);
    ExpectClosed(ws);
  }

  // A close frame 1000, answered as noVNC does; then the connection ends.
  void ExpectClosed(RawWebSocket& ws) {
    auto close = ws.ReadFrame();
    ASSERT_TRUE(close.has_value());
    EXPECT_EQ(close->opcode, 8);
    EXPECT_EQ(close->close_code(), 1000);
    ASSERT_TRUE(ws.SendFrame(8, close->payload.substr(0, 2)));  // as noVNC
    EXPECT_TRUE(ws.WaitForEof(std::chrono::seconds(2)));
  }

  // A session on `vm` as noVNC opens it: the browser gets Nova's reason in
  // a failed SecurityResult, the log `cause`. Returns the log.
  std::string ExpectRefused(const char* vm, const std::string& cause) {
    testing::StderrCapture capture;
    RawWebSocket ws;
    Open(ws, vm);
    ChooseNone(ws);
    ExpectFailure(ws, kNegotiationFailed);
    const std::string log = capture.Read();
    ExpectLogged(log, cause);
    return log;
  }

  static inline testing::TempDir* pki_dir_ = nullptr;
  static inline testing::TempDir* other_dir_ = nullptr;
  static inline testing::TestPki* pki_ = nullptr;
  static inline std::string other_ca_;
  static inline testing::QemuVncGuest* tls_qemu_ = nullptr;
  static inline testing::QemuVncGuest* password_qemu_ = nullptr;
  static inline testing::QemuVncGuest* plain_qemu_ = nullptr;
  testing::TempDir dir_;
  std::unique_ptr<SqliteTokenStore> store_;
  StaticServerDirectory directory_;
  ProxyOptions options_;
  std::unique_ptr<ConsoleProxy> proxy_;
};

TEST_F(ConsoleProxyVencryptTest, X509None_BrowserSeesNoneThenServerInit) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(Open(ws, kTlsVm));
  ASSERT_NO_FATAL_FAILURE(ChooseNone(ws));
  ASSERT_NO_FATAL_FAILURE(ExpectScreen(ws));
  EXPECT_EQ(proxy_->sessions(), 1u);
}

TEST_F(ConsoleProxyVencryptTest, BrowserBytesReadInTheHandshake_AreForwarded) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(Open(ws, kTlsVm));
  // ClientInit in the same message as the security choice: QEMU must get
  // it, or ServerInit never comes.
  ASSERT_NO_FATAL_FAILURE(ChooseNone(ws, "\x01"));
  ASSERT_NO_FATAL_FAILURE(ExpectScreen(ws, false));
}

TEST_F(ConsoleProxyVencryptTest, WrongCa_ReasonToBrowserCauseInLog) {
  options_.vnc.ca_certs = other_ca_;
  StartProxy();
  ExpectRefused(kTlsVm, "server-cert-untrusted");
}

TEST_F(ConsoleProxyVencryptTest, NoClientCert_ReasonToBrowserCauseInLog) {
  options_.vnc.client_cert.clear();
  options_.vnc.client_key.clear();
  StartProxy();
  ExpectRefused(kTlsVm, "no-client-cert");
}

TEST_F(ConsoleProxyVencryptTest, QemuOffersX509Vnc_ReasonToBrowserCauseInLog) {
  StartProxy();
  const std::string log = ExpectRefused(kPasswordVm, "vencrypt-subtype");
  EXPECT_NE(log.find("X509VNC (261)"), std::string::npos) << log;
}

TEST_F(ConsoleProxyVencryptTest, PlainVmWithVencryptOnly_NoCommonType) {
  StartProxy();
  ExpectRefused(kPlainVm, "no-common-security-type");
}

TEST_F(ConsoleProxyVencryptTest, VencryptAndNone_ServeATlsAndAPlainVm) {
  options_.vnc.auth_schemes = {VncAuthScheme::kVeNCrypt, VncAuthScheme::kNone};
  StartProxy();
  for (const char* vm : {kTlsVm, kPlainVm}) {
    SCOPED_TRACE(vm);
    RawWebSocket ws;
    ASSERT_NO_FATAL_FAILURE(Open(ws, vm));
    ASSERT_NO_FATAL_FAILURE(ChooseNone(ws));
    ASSERT_NO_FATAL_FAILURE(ExpectScreen(ws));
  }
}

TEST_F(ConsoleProxyVencryptTest, OnlyNone_QemusOwnSecurityTypesPassThrough) {
  options_.vnc = VncSecurityOptions();  // Nova's default: relay untouched
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(Open(ws, kTlsVm));
  EXPECT_EQ(Read(ws, 12), kV38);
  ASSERT_TRUE(ws.SendBinary(kV38));
  EXPECT_EQ(Read(ws, 2), std::string("\x01\x13", 2));  // VeNCrypt, QEMU's
}

TEST_F(ConsoleProxyVencryptTest, VerifyHostname_IpSanPassesOtherNameFails) {
  options_.vnc.verify_hostname = true;
  StartProxy();
  RawWebSocket by_ip;
  ASSERT_NO_FATAL_FAILURE(Open(by_ip, kTlsVm));
  ASSERT_NO_FATAL_FAILURE(ChooseNone(by_ip));
  ASSERT_NO_FATAL_FAILURE(ExpectScreen(by_ip));

  ExpectRefused(kNamedVm, "server-cert-name-mismatch");
}

TEST_F(ConsoleProxyVencryptTest, WithoutVerifyHostname_AnyNameIsAccepted) {
  StartProxy();  // Nova's behaviour: the CA decides alone
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(Open(ws, kNamedVm));
  ASSERT_NO_FATAL_FAILURE(ChooseNone(ws));
  ASSERT_NO_FATAL_FAILURE(ExpectScreen(ws));
}

TEST_F(ConsoleProxyVencryptTest, SilentConsole_TimesOutWithAReason) {
  // Accepts (the backlog does) and never says a word.
  int port = 0;
  const int listener = testing::ListenLoopback(4, &port);
  ASSERT_GE(listener, 0);
  directory_.Upsert(MakeServer(kSilentVm, "127.0.0.1", port));
  options_.handshake_timeout = absl::Seconds(1);
  StartProxy();
  testing::StderrCapture capture;
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(Open(ws, kSilentVm));
  // Nothing was said yet: a version, then no security types and why.
  EXPECT_EQ(Read(ws, 12), kV38);
  const std::string no_types = std::string(1, '\0') +
                               U32(kNegotiationFailed.size()) +
                               kNegotiationFailed;
  EXPECT_EQ(Read(ws, no_types.size()), no_types);
  ExpectClosed(ws);
  const std::string log = capture.Read();
  ExpectLogged(log, "server-io");
  EXPECT_NE(log.find("timed out"), std::string::npos) << log;
  close(listener);
}

TEST_F(ConsoleProxyVencryptTest, SilentBrowser_IsCutAtTheHandshakeTimeout) {
  options_.handshake_timeout = absl::Seconds(1);
  StartProxy();
  testing::StderrCapture capture;
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(Open(ws, kTlsVm));
  EXPECT_EQ(Read(ws, 12), kV38);
  // No version back: the proxy must not wait for ever.
  EXPECT_TRUE(ws.WaitForEof(std::chrono::seconds(5)));
  // The socket is closed first, the line written when the read fails.
  EXPECT_TRUE(testing::WaitFor(
      [&] { return capture.Read().find("cause=") != std::string::npos; },
      std::chrono::seconds(5)));
  const std::string log = capture.Read();
  ExpectLogged(log, "client-io");
  EXPECT_NE(log.find("timed out"), std::string::npos) << log;
}

TEST_F(ConsoleProxyVencryptTest, ReloadCertificates_NewSessionsUseNewFiles) {
  // The CA file starts wrong; fixed on disk, it counts after a reload.
  const std::string ca = dir_.path() + "/ca.pem";
  testing::WriteFile(ca, testing::ReadFile(other_ca_));
  options_.vnc.ca_certs = ca;
  StartProxy();
  auto works = [&] {
    RawWebSocket ws;
    Open(ws, kTlsVm);
    ChooseNone(ws);
    return Read(ws, 4) == U32(0);
  };
  EXPECT_FALSE(works());
  testing::WriteFile(ca, testing::ReadFile(pki_->ca_cert()));
  EXPECT_FALSE(works());  // not before the reload
  ASSERT_TRUE(proxy_->ReloadCertificates().ok());
  EXPECT_TRUE(works());
  // A broken file is refused and the loaded CA stays.
  testing::WriteFile(ca, "not a certificate\n");
  absl::Status broken = proxy_->ReloadCertificates();
  EXPECT_FALSE(broken.ok());
  EXPECT_NE(broken.message().find("vencrypt_ca_certs"), std::string::npos)
      << broken;
  EXPECT_TRUE(works());
}

TEST_F(ConsoleProxyVencryptTest, MissingFilesOrBadCombination_StartFails) {
  options_.vnc.client_key = dir_.path() + "/missing-key.pem";
  ConsoleProxy missing(options_, store_.get(), &directory_);
  absl::Status s = missing.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("vencrypt_client_key"), std::string::npos) << s;

  options_.vnc.client_key = pki_->key("server");  // not the cert's key
  ConsoleProxy mismatched(options_, store_.get(), &directory_);
  s = mismatched.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("vencrypt_client_key"), std::string::npos) << s;
  EXPECT_NE(s.message().find("mismatch"), std::string::npos) << s;

  options_.vnc.client_key = pki_->key("client");
  options_.vnc.ca_certs.clear();
  ConsoleProxy no_ca(options_, store_.get(), &directory_);
  s = no_ca.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("vencrypt_ca_certs"), std::string::npos) << s;
}

}  // namespace
}  // namespace porthole::controller
