// ConsoleProxy with [DEFAULT] cert/key/ssl_only: a TLS WebSocket reaches the
// console; a plain one is refused when ssl_only is set. The certificate is
// made by `openssl req`; the client is OpenSSL on a bare socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/proxy/console_proxy.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/static_server_directory.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
constexpr char kVm[] = "22222222-2222-4222-8222-222222222222";

class ConsoleProxyTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.path() + "/cert.pem";
    key_ = dir_.path() + "/key.pem";
    testing::ChildProcess openssl(
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout", key_, "-out", cert_,
         "-days", "1", "-subj", "/CN=localhost"},
        {}, dir_.path() + "/openssl.log");
    auto status = openssl.Wait(std::chrono::seconds(20));
    ASSERT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << testing::ReadFile(dir_.path() + "/openssl.log");
    auto store = SqliteTokenStore::Open(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    Server s;
    s.domain.set_uuid(kVm);
    s.domain.set_state(v1::DOMAIN_STATE_RUNNING);
    v1::Console* c = s.domain.add_consoles();
    c->set_protocol(v1::PROTOCOL_SERIAL);
    c->set_host("127.0.0.1");
    c->set_port(static_cast<uint32_t>(echo_.port()));
    s.host = "compute-a";
    directory_.Upsert(s);
    options_.novnc.enabled = false;
    options_.spice.enabled = false;
    options_.serial = {true, {"127.0.0.1", 0}, ""};
    options_.cert = cert_;
    options_.key = key_;
  }

  std::string Token() {
    std::string token = NewConsoleToken();
    ConsoleAuthRecord r;
    r.token_hash = HashConsoleToken(token);
    r.console_type = "serial";
    r.host = "127.0.0.1";
    r.port = static_cast<uint32_t>(echo_.port());
    r.instance_uuid = kVm;
    r.compute_host = "compute-a";
    r.access_url_base = "wss://127.0.0.1:6083/";
    r.expires = time(nullptr) + 600;
    EXPECT_TRUE(store_->Insert(r).ok());
    return token;
  }

  // Upgrades over TLS, sends "abc" in a masked frame and returns what comes
  // back: the status line, then the echoed payload.
  std::pair<std::string, std::string> TlsRoundTrip(int port) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    testing::RawWebSocket tcp;
    EXPECT_TRUE(tcp.Connect(port));
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, tcp.fd());
    std::string status_line, payload;
    if (SSL_connect(ssl) == 1) {
      std::string request =
          "GET /?token=" + Token() +
          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          "Connection: Upgrade\r\nSec-WebSocket-Key: "
          "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
      SSL_write(ssl, request.data(), static_cast<int>(request.size()));
      std::string in;
      char buffer[4096];
      while (in.find("\r\n\r\n") == std::string::npos) {
        int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) break;
        in.append(buffer, static_cast<size_t>(n));
      }
      status_line = in.substr(0, in.find("\r\n"));
      in.erase(0, in.find("\r\n\r\n") + 4);
      const char frame[] = {'\x82', '\x83',  1,       2,      3,
                            4,      'a' ^ 1, 'b' ^ 2, 'c' ^ 3};
      SSL_write(ssl, frame, sizeof frame);
      while (in.size() < 5) {
        int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n <= 0) break;
        in.append(buffer, static_cast<size_t>(n));
      }
      if (in.size() >= 5) payload = in.substr(2, 3);
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return {status_line, payload};
  }

  testing::TempDir dir_;
  std::string cert_, key_;
  testing::TcpEchoServer echo_;
  std::unique_ptr<SqliteTokenStore> store_;
  StaticServerDirectory directory_;
  ProxyOptions options_;
};

TEST_F(ConsoleProxyTlsTest, TlsAndPlain_BothServedOnOnePort) {
  ConsoleProxy proxy(options_, store_.get(), &directory_);
  ASSERT_TRUE(proxy.Start().ok());
  const int port = proxy.port(ProxyKind::kSerial);
  auto [status_line, payload] = TlsRoundTrip(port);
  EXPECT_EQ(status_line, "HTTP/1.1 101 Switching Protocols");
  EXPECT_EQ(payload, "abc");
  testing::RawWebSocket plain;
  ASSERT_TRUE(plain.Connect(port));
  auto head = plain.Upgrade("/?token=" + Token());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 101);
}

TEST_F(ConsoleProxyTlsTest, SslOnly_RefusesPlainConnections) {
  options_.ssl_only = true;
  ConsoleProxy proxy(options_, store_.get(), &directory_);
  ASSERT_TRUE(proxy.Start().ok());
  const int port = proxy.port(ProxyKind::kSerial);
  EXPECT_EQ(TlsRoundTrip(port).second, "abc");
  testing::RawWebSocket plain;
  ASSERT_TRUE(plain.Connect(port));
  ASSERT_TRUE(plain.SendUpgrade("/?token=" + Token()));
  EXPECT_FALSE(plain.ReadHead(std::chrono::seconds(3)).has_value());
}

TEST_F(ConsoleProxyTlsTest, MissingCertificate_StartFails) {
  options_.cert = dir_.path() + "/missing.pem";
  ConsoleProxy proxy(options_, store_.get(), &directory_);
  absl::Status s = proxy.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(std::string(s.message()).find("cannot load TLS certificate"),
            std::string::npos)
      << s;
}

TEST_F(ConsoleProxyTlsTest, SslOnlyWithoutCertificate_StartFails) {
  options_.cert.clear();
  options_.ssl_only = true;
  ConsoleProxy proxy(options_, store_.get(), &directory_);
  EXPECT_FALSE(proxy.Start().ok());
}

}  // namespace
}  // namespace porthole::controller
