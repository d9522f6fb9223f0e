// The native console listener ([native] listen, issue 14) through
// ConsoleProxy: a real QEMU VNC server, a real SQLite token store, the real
// JSON-lines audit log, and a VNC viewer speaking what TigerVNC's speaks
// (RFB 3.8, VeNCrypt 0.2, X509Plain, the credential as the password) or the
// xvpvnc HTTP tunnel (CONNECT /console?token=... in TLS; a plain one is
// refused), over OpenSSL on a bare socket.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/controller/proxy/audited_proxy_test.h"
#include "tests/controller/proxy/tls_test_client.h"
#include "tests/support/child_process.h"
#include "tests/support/qemu_vnc_guest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

using Json = nlohmann::json;

const std::string kV38 = "RFB 003.008\n";

std::string U32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

uint32_t U32At(const std::string& s, size_t at) {
  if (s.size() < at + 4) return 0xffffffff;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | p[3];
}

// A VNC viewer's side of the native listener (RFB, VeNCrypt, TLS).
class Viewer : public TlsTestClient {
 public:
  using TlsTestClient::TlsTestClient;

  // RFB 3.8, VeNCrypt 0.2, X509Plain, TLS, then username and password: ""
  // when the SecurityResult is OK, else its reason (or what went wrong).
  std::string Authenticate(const std::string& password,
                           const std::string& username = "viewer") {
    if (Read(12) != kV38) return "no RFB 3.8 version";
    Send(kV38);
    if (Read(2) != std::string("\x01\x13", 2)) return "not VeNCrypt only";
    Send("\x13");
    if (Read(2) != std::string("\x00\x02", 2)) return "not VeNCrypt 0.2";
    Send(std::string("\x00\x02", 2));
    if (Read(1) != std::string("\x00", 1)) return "version refused";
    const std::string subtypes = Read(5);
    if (subtypes.size() != 5 || subtypes[0] != 1 || U32At(subtypes, 1) != 262) {
      return "not X509Plain only";
    }
    Send(U32(262));
    if (Read(1) != "\x01") return "subtype not accepted";
    if (!StartTls()) return "TLS failed";
    Send(U32(username.size()) + U32(password.size()) + username + password);
    const std::string result = Read(4);
    if (result == U32(0)) return "";
    if (result != U32(1)) return "no SecurityResult";
    const std::string length = Read(4);
    return Read(U32At(length, 0));
  }

  // ClientInit (shared), then ServerInit's width and height (0 when none).
  std::pair<int, int> Screen() {
    Send("\x01");
    const std::string init = Read(24);
    if (init.size() < 24) return {0, 0};
    const auto* p = reinterpret_cast<const uint8_t*>(init.data());
    return {(p[0] << 8) | p[1], (p[2] << 8) | p[3]};
  }
};

class NativeListenerTest : public AuditedProxyTest {
 protected:
  NativeListenerTest() : AuditedProxyTest(qemu_->vnc_port()) {}

  static void SetUpTestSuite() {
    proxy_pki_ = new ProxyPki();
    ASSERT_TRUE(proxy_pki_->ok()) << proxy_pki_->pki().error();
    pki_ = &proxy_pki_->pki();
    qemu_ = testing::QemuVncGuest::Start(80).release();
    ASSERT_NE(qemu_, nullptr);
  }
  static void TearDownTestSuite() {
    delete qemu_;
    qemu_ = nullptr;
    delete proxy_pki_;
  }

  void SetUp() override {
    AuditedProxyTest::SetUp();
    UseNativeListener(*pki_);
  }

  std::string Issue(const std::string& type = "xvpvnc") {
    return AuditedProxyTest::Issue(type, "http://127.0.0.1:6081/console");
  }

  std::unique_ptr<Viewer> Connect() {
    auto viewer = std::make_unique<Viewer>(proxy_->port(ProxyKind::kXvpVnc),
                                           pki_->ca_cert());
    EXPECT_TRUE(viewer->connected());
    return viewer;
  }

  static inline ProxyPki* proxy_pki_ = nullptr;
  static inline const testing::TestPki* pki_ = nullptr;
  static inline testing::QemuVncGuest* qemu_ = nullptr;
};

TEST_F(NativeListenerTest, VeNCryptPlain_Credential_ShowsTheScreen_Once) {
  StartProxy();
  const std::string credential = Issue();
  auto viewer = Connect();
  ASSERT_EQ(viewer->Authenticate(credential), "");
  const auto [width, height] = viewer->Screen();
  EXPECT_GT(width, 0);
  EXPECT_GT(height, 0);
  std::vector<Json> started = Audited("session-start");
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0]["console_type"], "xvpvnc");
  EXPECT_EQ(started[0]["server_id"], kVm);
  EXPECT_EQ(started[0]["user_id"], "alice");

  // Single use, whatever [consoleauth] single_use says.
  auto again = Connect();
  EXPECT_EQ(again->Authenticate(credential), "Console token already used");
  EXPECT_TRUE(again->Closed());
  std::vector<Json> refused = Audited("admission-refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["reason"], "token-used");
  EXPECT_EQ(testing::ReadFile(audit_path_).find(credential), std::string::npos);
}

TEST_F(NativeListenerTest, VeNCryptPlain_WrongCredential_RefusedAndAudited) {
  StartProxy();
  Issue();
  auto viewer = Connect();
  EXPECT_EQ(viewer->Authenticate("guess"), "Console token invalid");
  EXPECT_TRUE(viewer->Closed());
  std::vector<Json> refused = Audited("admission-refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["reason"], "token-invalid");
  EXPECT_EQ(refused[0]["listener"], "xvpvnc");
}

TEST_F(NativeListenerTest, VeNCryptPlain_NoVncTokenIsNotACredential) {
  StartProxy();
  auto viewer = Connect();
  EXPECT_NE(viewer->Authenticate(Issue("novnc")), "");
  std::vector<Json> refused = Audited("admission-refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["reason"], "wrong-console-type");
}

TEST_F(NativeListenerTest, AttemptsPerMinute_StopsGuessingFromOneAddress) {
  options_.native.attempts_per_minute = 3;
  StartProxy();
  for (int i = 0; i < 3; ++i) {
    auto viewer = Connect();
    EXPECT_EQ(viewer->Authenticate("guess"), "Console token invalid");
  }
  // The fourth is refused unchecked, even with a good credential.
  auto viewer = Connect();
  EXPECT_EQ(viewer->Authenticate(Issue()),
            "Too many credential attempts from this address");
  std::vector<Json> refused = Audited("admission-refused", 4);
  ASSERT_EQ(refused.size(), 4u);
  EXPECT_EQ(refused[3]["reason"], "credential-attempt-limit");
}

TEST_F(NativeListenerTest, Connect_InTls_TunnelsToTheConsole_Once) {
  StartProxy();
  const std::string credential = Issue();
  const std::string request = "CONNECT /console?token=" + credential +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  auto viewer = Connect();
  ASSERT_TRUE(viewer->StartTls());
  ASSERT_TRUE(viewer->Send(request));
  const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
  EXPECT_EQ(viewer->Read(established.size()), established);
  EXPECT_EQ(viewer->Read(12), kV38);  // QEMU's own version

  auto again = Connect();
  ASSERT_TRUE(again->StartTls());
  ASSERT_TRUE(again->Send(request));
  EXPECT_EQ(again->Read(12), "HTTP/1.1 403");
  std::vector<Json> refused = Audited("admission-refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["reason"], "token-used");
}

// The credential would travel in the clear: refused before it is read.
TEST_F(NativeListenerTest, PlainConnect_IsRefused) {
  StartProxy();
  const std::string credential = Issue();
  auto viewer = Connect();
  ASSERT_TRUE(viewer->Send("CONNECT /console?token=" + credential +
                           " HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(viewer->Closed());
  // Not admitted, so not spent either.
  auto tls = Connect();
  ASSERT_TRUE(tls->StartTls());
  ASSERT_TRUE(
      tls->Send("CONNECT /console?token=" + credential + " HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(tls->Read(12), "HTTP/1.1 200");
}

TEST_F(NativeListenerTest, WithoutACertificate_DoesNotStart) {
  options_.cert.clear();
  options_.key.clear();
  proxy_ = std::make_unique<ConsoleProxy>(options_, store_.get(), &directory_);
  absl::Status s = proxy_->Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("[native] listen needs [DEFAULT] cert"),
            std::string::npos)
      << s;
}

}  // namespace
}  // namespace porthole::controller
