// SPICE on the native console listener (issue 14) through ConsoleProxy: a
// real QEMU SPICE server, a real SQLite token store, the real JSON-lines
// audit log, and a SPICE client speaking what remote-viewer speaks (TLS
// from the first byte, the link message, the ticket under the listener's
// key) over OpenSSL on a bare socket. Porthole links with QEMU itself, so
// QEMU checks Porthole's side of the protocol; the real remote-viewer is in
// tests/e2e/spice_direct_viewer_test.cc.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/proxy/spice_link.h"
#include "controller/proxy/spice_ticket.h"
#include "nlohmann/json.hpp"
#include "tests/controller/proxy/audited_proxy_test.h"
#include "tests/controller/proxy/tls_test_client.h"
#include "tests/support/qemu_spice_guest.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

namespace sl = spice_link;
using Json = nlohmann::json;

constexpr uint32_t kNoResult = 0xffffffff;
constexpr char kSpiceDirectBase[] = "https://127.0.0.1:6081/nova";

// remote-viewer's side of one SPICE channel, in TLS from the first byte.
class SpiceViewer : public TlsTestClient {
 public:
  SpiceViewer(int port, std::string ca) : TlsTestClient(port, std::move(ca)) {
    tls_ = connected() && StartTls();
  }

  bool tls() const { return tls_; }

  // The link message for `channel` of session `connection_id`, as
  // spice-gtk announces it; the reply, or nullopt when none came.
  std::optional<sl::LinkReply> Link(uint32_t connection_id, uint8_t channel) {
    sl::LinkMessage m;
    m.connection_id = connection_id;
    m.channel_type = channel;
    m.common_caps = sl::CapsOf(
        {sl::kCapAuthSelection, sl::kCapAuthSpice, sl::kCapMiniHeader});
    if (!Send(sl::EncodeLinkMessage(m))) return std::nullopt;
    absl::StatusOr<uint32_t> size = sl::ParseHeader(Read(sl::kHeaderBytes));
    if (!size.ok()) return std::nullopt;
    absl::StatusOr<sl::LinkReply> reply = sl::ParseLinkReply(Read(*size));
    if (!reply.ok()) return std::nullopt;
    return *reply;
  }

  // The auth mechanism and `password` under the reply's key; the link
  // result, or kNoResult.
  uint32_t Authenticate(const sl::LinkReply& reply,
                        const std::string& password) {
    absl::StatusOr<std::string> ticket =
        EncryptSpiceTicket(reply.public_key, password);
    if (!ticket.ok()) return kNoResult;
    std::string bytes;
    if (sl::HasCap(reply.common_caps, sl::kCapAuthSelection)) {
      bytes = sl::EncodeU32(sl::kAuthSpice);
    }
    if (!Send(bytes + *ticket)) return kNoResult;
    const std::string result = Read(4);
    return result.size() == 4 ? sl::DecodeU32(result) : kNoResult;
  }

  // The session id of the console's MAIN_INIT (mini headers), or 0.
  uint32_t MainInitSession() {
    for (int i = 0; i < 8; ++i) {
      const std::string header = Read(6);
      if (header.size() < 6) return 0;
      const uint16_t type = static_cast<uint8_t>(header[0]) |
                            (static_cast<uint8_t>(header[1]) << 8);
      const std::string body = Read(sl::DecodeU32(header.substr(2)));
      if (type == 103 && body.size() >= 4) return sl::DecodeU32(body);
    }
    return 0;
  }

 private:
  bool tls_ = false;
};

class NativeSpiceTest : public AuditedProxyTest {
 protected:
  NativeSpiceTest()
      : AuditedProxyTest(qemu_->port(), agent::v1::PROTOCOL_SPICE) {}

  static void SetUpTestSuite() {
    proxy_pki_ = new ProxyPki();
    ASSERT_TRUE(proxy_pki_->ok()) << proxy_pki_->pki().error();
    pki_ = &proxy_pki_->pki();
    qemu_ = testing::QemuSpiceGuest::Start({}).release();
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
    options_.native.ca_file = pki_->ca_cert();
  }

  std::string Issue(const std::string& type = "spice-direct") {
    return AuditedProxyTest::Issue(type, kSpiceDirectBase);
  }

  std::unique_ptr<SpiceViewer> Connect() {
    auto viewer = std::make_unique<SpiceViewer>(
        proxy_->port(ProxyKind::kXvpVnc), pki_->ca_cert());
    EXPECT_TRUE(viewer->tls());
    return viewer;
  }

  // The main channel linked with `credential`: its session id, or 0.
  uint32_t LinkMain(SpiceViewer& viewer, const std::string& credential) {
    std::optional<sl::LinkReply> reply = viewer.Link(0, sl::kMainChannel);
    if (!reply || reply->error != sl::kOk) return 0;
    if (viewer.Authenticate(*reply, credential) != sl::kOk) return 0;
    return viewer.MainInitSession();
  }

  static inline ProxyPki* proxy_pki_ = nullptr;
  static inline const testing::TestPki* pki_ = nullptr;
  static inline testing::QemuSpiceGuest* qemu_ = nullptr;
};

// Tempest's raw check for spice-direct, on Porthole's listener: a link to
// it answers REDQ with error 0 and a key, before any credential.
TEST_F(NativeSpiceTest, Link_AnswersRedqWithErrorZero) {
  StartProxy();
  auto viewer = Connect();
  sl::LinkMessage link;  // Tempest's: no capabilities at all
  link.channel_type = sl::kMainChannel;
  ASSERT_TRUE(viewer->Send(sl::EncodeLinkMessage(link)));
  const std::string header = viewer->Read(sl::kHeaderBytes);
  ASSERT_EQ(header.substr(0, 4), "REDQ");
  absl::StatusOr<uint32_t> size = sl::ParseHeader(header);
  ASSERT_TRUE(size.ok()) << size.status();
  absl::StatusOr<sl::LinkReply> reply = sl::ParseLinkReply(viewer->Read(*size));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->error, sl::kOk);
  EXPECT_EQ(reply->public_key.size(), sl::kPublicKeyBytes);
}

TEST_F(NativeSpiceTest, Credential_LinksEveryChannelOfOneSession_Once) {
  StartProxy();
  const std::string credential = Issue();
  auto main = Connect();
  const uint32_t session = LinkMain(*main, credential);
  ASSERT_NE(session, 0u) << "no MAIN_INIT through the proxy";

  // The display channel of that session: QEMU's capabilities under
  // Porthole's key, the same credential, and QEMU's own link result (QEMU
  // answers "bad connection id" to a session id it did not give).
  auto display = Connect();
  std::optional<sl::LinkReply> reply = display->Link(session, 2);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->error, sl::kOk);
  EXPECT_EQ(display->Authenticate(*reply, credential), sl::kOk);

  std::vector<Json> started = Audited("session-start", 2);
  ASSERT_EQ(started.size(), 2u);
  EXPECT_EQ(started[0]["console_type"], "spice-direct");
  EXPECT_EQ(started[0]["server_id"], kVm);
  EXPECT_EQ(started[0]["token"], started[1]["token"]);

  // A second session with the same credential: refused by the link result.
  auto again = Connect();
  std::optional<sl::LinkReply> second = again->Link(0, sl::kMainChannel);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(again->Authenticate(*second, credential), sl::kPermissionDenied);
  std::vector<Json> refused = Audited("admission-refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["reason"], "token-used");
  EXPECT_EQ(refused[0]["listener"], "spice-direct");
}

TEST_F(NativeSpiceTest, WrongCredentialOrVncToken_PermissionDenied) {
  StartProxy();
  for (const std::string& credential :
       {std::string("0b5c6f7e-3c1a-4b8e-9d2f-5a6b7c8d9e0f"), Issue("xvpvnc")}) {
    auto viewer = Connect();
    std::optional<sl::LinkReply> reply = viewer->Link(0, sl::kMainChannel);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(viewer->Authenticate(*reply, credential), sl::kPermissionDenied);
  }
  std::vector<Json> refused = Audited("admission-refused", 2);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0]["reason"], "token-invalid");
  EXPECT_EQ(refused[1]["reason"], "wrong-console-type");
}

TEST_F(NativeSpiceTest, OtherChannel_NeedsItsSessionAndItsCredential) {
  StartProxy();
  auto stranger = Connect();
  std::optional<sl::LinkReply> unknown = stranger->Link(0x1234, 2);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->error, sl::kBadConnectionId);

  const std::string credential = Issue();
  auto main = Connect();
  const uint32_t session = LinkMain(*main, credential);
  ASSERT_NE(session, 0u);
  auto display = Connect();
  std::optional<sl::LinkReply> reply = display->Link(session, 2);
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->error, sl::kOk);
  EXPECT_EQ(display->Authenticate(*reply, Issue()), sl::kPermissionDenied);
}

TEST_F(NativeSpiceTest, VirtViewerFile_PointsAtTheListener_WithoutSpending) {
  StartProxy();
  const std::string credential = Issue();
  const int port = proxy_->port(ProxyKind::kXvpVnc);
  auto get = Connect();
  ASSERT_TRUE(get->Send("GET /nova?token=" + credential +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\n\r\n"));
  const std::string response = get->Read(size_t{64} * 1024);
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Type: application/x-virt-viewer\r\n"),
            std::string::npos)
      << response;
  EXPECT_NE(
      response.find("\r\n\r\n[virt-viewer]\ntype=spice\nhost=127.0.0.1\n"
                    "tls-port=" +
                    std::to_string(port) + "\npassword=" + credential + "\n"),
      std::string::npos)
      << response;
  EXPECT_NE(response.find("\nca=-----BEGIN CERTIFICATE-----\\n"),
            std::string::npos)
      << response;

  auto main = Connect();
  EXPECT_NE(LinkMain(*main, credential), 0u);  // still unused

  auto vnc = Connect();
  ASSERT_TRUE(vnc->Send("GET /nova?token=" + Issue("xvpvnc") +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(vnc->Read(12), "HTTP/1.1 403");
}

}  // namespace
}  // namespace porthole::controller
