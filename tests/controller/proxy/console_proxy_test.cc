// ConsoleProxy over real sockets: a raw WebSocket client on one side, a real
// QEMU VNC server (or a TCP echo listener standing in for a serial port) on
// the other, a real SQLite token store, and the in-memory server directory.
#include "controller/proxy/console_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"
#include "tests/support/qemu_vnc_guest.h"
#include "tests/support/raw_socket.h"
#include "tests/support/static_server_directory.h"
#include "tests/support/stderr_capture.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;
using testing::RawWebSocket;

constexpr char kVncVm[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSerialVm[] = "22222222-2222-4222-8222-222222222222";
constexpr char kDeadVm[] = "33333333-3333-4333-8333-333333333333";
constexpr int64_t kNow = 1'800'000'000;

// The next frame is a close frame with `code`.
void ExpectCloseFrame(const std::optional<RawWebSocket::Frame>& frame,
                      int code) {
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->opcode, 8);
  EXPECT_EQ(frame->close_code(), code);
}

Server MakeServer(const std::string& uuid, v1::Protocol protocol,
                  uint32_t port) {
  Server s;
  s.domain.set_uuid(uuid);
  s.domain.set_state(v1::DOMAIN_STATE_RUNNING);
  v1::Console* c = s.domain.add_consoles();
  c->set_protocol(protocol);
  c->set_host("127.0.0.1");
  c->set_port(port);
  s.host = "compute-a";
  return s;
}

class ConsoleProxyTest : public ::testing::Test {
 protected:
  // One QEMU for the suite: SeaBIOS behind a VNC server with no password.
  static void SetUpTestSuite() {
    qemu_ = testing::QemuVncGuest::Start(50).release();
    ASSERT_NE(qemu_, nullptr);
    vnc_port_ = qemu_->vnc_port();
  }
  static void TearDownTestSuite() {
    delete qemu_;  // SIGKILL by PID, then reaped
    qemu_ = nullptr;
  }

  void SetUp() override {
    auto store = SqliteTokenStore::Open(dir_.path() + "/tokens.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    dead_port_ = testing::PickFreePort();
    directory_.Upsert(MakeServer(kVncVm, v1::PROTOCOL_VNC, vnc_port_));
    directory_.Upsert(MakeServer(kSerialVm, v1::PROTOCOL_SERIAL, echo_.port()));
    directory_.Upsert(MakeServer(kDeadVm, v1::PROTOCOL_VNC, dead_port_));
    web_ = dir_.path() + "/web";
    mkdir(web_.c_str(), 0755);
    testing::WriteFile(web_ + "/vnc_lite.html", "<html>noVNC</html>");
    options_.novnc = {true, {"127.0.0.1", 0}, web_};
    options_.spice = {true, {"127.0.0.1", 0}, web_};
    options_.serial = {true, {"127.0.0.1", 0}, ""};
    options_.handshake_timeout = absl::Seconds(2);
  }

  void TearDown() override {
    if (proxy_) proxy_->Stop(absl::ZeroDuration());
  }

  void StartProxy() {
    proxy_ = std::make_unique<ConsoleProxy>(options_, store_.get(), &directory_,
                                            [this] { return now_.load(); });
    absl::Status s = proxy_->Start();
    ASSERT_TRUE(s.ok()) << s;
  }

  std::string Issue(const std::string& type, const std::string& uuid,
                    uint32_t port, int64_t expires = kNow + 600,
                    std::string base = "http://127.0.0.1:6080/vnc_lite.html") {
    std::string token = NewConsoleToken();
    ConsoleAuthRecord r;
    r.token_hash = HashConsoleToken(token);
    r.console_type = type;
    r.host = "127.0.0.1";
    r.port = port;
    r.instance_uuid = uuid;
    r.compute_host = "compute-a";
    r.access_url_base = std::move(base);
    r.expires = expires;
    EXPECT_TRUE(store_->Insert(r).ok());
    return token;
  }
  std::string VncToken() { return Issue("novnc", kVncVm, vnc_port_); }
  std::string SerialToken() {
    return Issue("serial", kSerialVm, echo_.port(), kNow + 600,
                 "ws://127.0.0.1:6083/");
  }

  int novnc_port() const { return proxy_->port(ProxyKind::kNoVnc); }
  int serial_port() const { return proxy_->port(ProxyKind::kSerial); }

  // A serial session the proxy accepted (101) on `ws`.
  void OpenSerialSession(RawWebSocket& ws) {
    ASSERT_TRUE(ws.Connect(serial_port()));
    ASSERT_EQ(ws.Upgrade("/?token=" + SerialToken())->status, 101);
  }

  // Connects and asks for an upgrade on the noVNC listener.
  std::optional<RawWebSocket::Head> UpgradeNoVnc(
      RawWebSocket& ws, const std::string& target,
      const std::vector<std::string>& extra = {}) {
    EXPECT_TRUE(ws.Connect(novnc_port()));
    return ws.Upgrade(target, extra);
  }

  // Asserts a refusal before the upgrade: status, header, empty body.
  void ExpectRejected(RawWebSocket& ws,
                      const std::optional<RawWebSocket::Head>& head, int status,
                      const std::string& reason) {
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->status, status) << head->status_line;
    EXPECT_EQ(head->Header("x-porthole-error"), reason);
    EXPECT_EQ(head->Header("content-length"), "0");
    EXPECT_FALSE(head->Has("upgrade"));
    std::optional<std::string> body = ws.ReadToEnd();
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ(*body, "");
  }

  static inline testing::QemuVncGuest* qemu_ = nullptr;
  static inline int vnc_port_ = 0;
  testing::TempDir dir_;
  std::string web_;
  testing::TcpEchoServer echo_;
  int dead_port_ = 0;
  std::unique_ptr<SqliteTokenStore> store_;
  StaticServerDirectory directory_;
  std::atomic<int64_t> now_{kNow};
  ProxyOptions options_;
  std::unique_ptr<ConsoleProxy> proxy_;
};

TEST_F(ConsoleProxyTest, ValidToken_Exact101ThenRfbBannerAsOneBinaryFrame) {
  StartProxy();
  RawWebSocket ws;
  auto head = UpgradeNoVnc(ws, "/?token=" + VncToken());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status_line, "HTTP/1.1 101 Switching Protocols");
  EXPECT_FALSE(head->Has("sec-websocket-protocol"));  // none offered
  auto frame = ws.ReadDataFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->opcode, 2);
  EXPECT_TRUE(frame->fin);
  EXPECT_EQ(frame->payload, "RFB 003.008\n");
  // The client's version goes through and the security types come back.
  ASSERT_TRUE(ws.SendBinary("RFB 003.008\n"));
  auto types = ws.ReadDataFrame();
  ASSERT_TRUE(types.has_value());
  ASSERT_GE(types->payload.size(), 2u);
  EXPECT_GE(types->payload[0], 1);  // at least one security type
  EXPECT_EQ(proxy_->sessions(), 1u);
}

TEST_F(ConsoleProxyTest, BinarySubprotocolOffered_IsEchoed) {
  StartProxy();
  RawWebSocket ws;
  auto head = UpgradeNoVnc(ws, "/?token=" + VncToken(),
                           {"Sec-WebSocket-Protocol: base64, binary"});
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 101);
  EXPECT_EQ(head->Header("sec-websocket-protocol"), "binary");
}

TEST_F(ConsoleProxyTest, OnlyBase64Offered_Is400BeforeUpgrade) {
  StartProxy();
  RawWebSocket ws;
  auto head = UpgradeNoVnc(ws, "/?token=" + VncToken(),
                           {"Sec-WebSocket-Protocol: base64"});
  ExpectRejected(ws, head, 400, "subprotocol-unsupported");
}

TEST_F(ConsoleProxyTest, TokenInCookie_Works) {
  StartProxy();
  RawWebSocket ws;
  auto head = UpgradeNoVnc(ws, "/", {"Cookie: lang=en; token=" + VncToken()});
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 101);
  auto frame = ws.ReadDataFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "RFB 003.008\n");
}

TEST_F(ConsoleProxyTest, TokenInPathQueryOrPathCookie_Works) {
  StartProxy();
  RawWebSocket a;
  auto head = UpgradeNoVnc(a, "/websockify?path=%3Ftoken%3D" + VncToken());
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 101);
  RawWebSocket b;
  head = UpgradeNoVnc(b, "/", {"Cookie: path=%3Ftoken%3D" + VncToken()});
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 101);
}

TEST_F(ConsoleProxyTest, UnknownToken_403TokenInvalidAndLogNeverHoldsToken) {
  StartProxy();
  const std::string token = NewConsoleToken();
  std::string log;
  {
    testing::StderrCapture capture;
    RawWebSocket ws;
    auto head = UpgradeNoVnc(ws, "/?token=" + token);
    ExpectRejected(ws, head, 403, "token-invalid");
    EXPECT_EQ(head->status_line, "HTTP/1.1 403 Console token invalid");
    log = capture.Read();
  }
  EXPECT_NE(log.find("reason=token-invalid"), std::string::npos) << log;
  EXPECT_NE(log.find("token=" + HashConsoleToken(token).substr(0, 8)),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(token), std::string::npos) << log;
}

TEST_F(ConsoleProxyTest, ExpiredToken_403TokenExpired) {
  StartProxy();
  std::string token = Issue("novnc", kVncVm, vnc_port_, kNow - 1);
  RawWebSocket ws;
  ExpectRejected(ws, UpgradeNoVnc(ws, "/?token=" + token), 403,
                 "token-expired");
}

TEST_F(ConsoleProxyTest, SerialTokenOnNoVncListener_WrongConsoleType) {
  StartProxy();
  RawWebSocket ws;
  ExpectRejected(ws, UpgradeNoVnc(ws, "/?token=" + SerialToken()), 403,
                 "wrong-console-type");
}

TEST_F(ConsoleProxyTest, OriginCases) {
  options_.allowed_origins = {"dashboard.example"};
  StartProxy();
  const std::string token = VncToken();
  struct Case {
    std::vector<std::string> headers;
    int status;
  } cases[] = {
      {{}, 101},                                    // not a browser
      {{"Origin: http://127.0.0.1:6080"}, 101},     // same host
      {{"Origin: http://dashboard.example"}, 101},  // allowed_origins
      {{"Origin: http://evil.example"}, 403},       // foreign
      {{"Origin: https://127.0.0.1"}, 403},         // scheme vs http base
      {{"Origin: https://127.0.0.1", "X-Forwarded-Proto: http"},
       403},  // untrusted proxy
      {{"Origin: null"}, 403},
  };
  for (const Case& c : cases) {
    RawWebSocket ws;
    auto head = UpgradeNoVnc(ws, "/?token=" + token, c.headers);
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->status, c.status)
        << (c.headers.empty() ? "no origin" : c.headers[0]);
    if (c.status == 403) {
      EXPECT_EQ(head->Header("x-porthole-error"), "origin-rejected");
    }
  }
}

TEST_F(ConsoleProxyTest, TrustedProxyForwardedProto_IsBelieved) {
  options_.trusted_proxies = {"127.0.0.0/8"};
  StartProxy();
  RawWebSocket ws;
  auto head = UpgradeNoVnc(
      ws, "/?token=" + VncToken(),
      {"Origin: https://public.example", "X-Forwarded-Host: public.example",
       "X-Forwarded-Proto: http"});
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 101) << head->status_line;
}

TEST_F(ConsoleProxyTest, BackendDown_502BackendUnreachable) {
  StartProxy();
  RawWebSocket ws;
  ExpectRejected(
      ws, UpgradeNoVnc(ws, "/?token=" + Issue("novnc", kDeadVm, dead_port_)),
      502, "backend-unreachable");
}

TEST_F(ConsoleProxyTest, ConsolePortReused_TokenInvalid) {
  StartProxy();
  std::string token = VncToken();
  directory_.Upsert(MakeServer(kVncVm, v1::PROTOCOL_VNC, vnc_port_ + 1));
  RawWebSocket ws;
  ExpectRejected(ws, UpgradeNoVnc(ws, "/?token=" + token), 403,
                 "token-invalid");
}

TEST_F(ConsoleProxyTest, SerialRelay_BytesReachConsoleAndComeBack) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(serial_port()));
  auto head = ws.Upgrade("/?token=" + SerialToken(),
                         {"Sec-WebSocket-Protocol: binary"});
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 101);
  std::string sent = "login: root\r\n";
  sent.push_back('\0');
  sent.push_back('\xff');
  ASSERT_TRUE(ws.SendBinary(sent));
  std::string got;
  while (got.size() < sent.size()) {
    auto frame = ws.ReadDataFrame();
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->opcode, 2);
    got += frame->payload;
  }
  EXPECT_EQ(got, sent);
  // A text frame is relayed as bytes too.
  ASSERT_TRUE(ws.SendFrame(1, "ls\n"));
  auto frame = ws.ReadDataFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "ls\n");
}

TEST_F(ConsoleProxyTest, MessagesOfEverySize_AreUnmaskedExactly) {
  // Odd sizes and a message larger than one read exercise the unmasking
  // across read boundaries, where the key must keep its rotation.
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  for (size_t size : {1, 2, 3, 5, 7, 8, 9, 13, 125, 126, 127, 4099, 65535,
                      65536, 65537, 300001}) {
    std::string sent(size, '\0');
    for (size_t i = 0; i < size; ++i) {
      sent[i] = static_cast<char>((i * 7 + size) % 251);
    }
    ASSERT_TRUE(ws.SendBinary(sent));
    std::string got;
    while (got.size() < size) {
      auto frame = ws.ReadDataFrame();
      ASSERT_TRUE(frame.has_value()) << size;
      got += frame->payload;
    }
    ASSERT_EQ(got, sent) << size;
  }
}

TEST_F(ConsoleProxyTest, ClientDisconnectMidStream_ClosesConsoleNoFdLeak) {
  StartProxy();
  // One session that a client drops mid-stream, without a close frame.
  auto dropped_session = [&](int n) {
    const uint64_t echoed = echo_.bytes_echoed();
    RawWebSocket ws;
    ASSERT_TRUE(ws.Connect(serial_port()));
    auto head = ws.Upgrade("/?token=" + SerialToken());
    ASSERT_TRUE(head.has_value());
    ASSERT_EQ(head->status, 101);
    ASSERT_TRUE(ws.SendBinary(std::string(100000, 'x')));
    ASSERT_TRUE(testing::WaitFor([&] { return echo_.bytes_echoed() > echoed; },
                                 seconds(5)));
    ASSERT_EQ(echo_.accepted(), n);
  };
  auto all_closed = [&](int n) {
    EXPECT_TRUE(
        testing::WaitFor([&] { return echo_.ended() == n; }, seconds(5)));
    EXPECT_TRUE(testing::WaitFor([&] { return proxy_->connections() == 0; },
                                 seconds(5)));
    EXPECT_EQ(proxy_->sessions(), 0u);
  };
  // The first session warms up what lives as long as the proxy and the
  // store (SQLite's connections, Asio's services); the second must leave
  // exactly as many descriptors open as it found.
  dropped_session(1);
  all_closed(1);
  const int fds_before = testing::CountOpenFds();
  dropped_session(2);
  all_closed(2);
  EXPECT_TRUE(testing::WaitFor(
      [&] { return testing::CountOpenFds() == fds_before; }, seconds(5)))
      << testing::CountOpenFds() << " vs " << fds_before;
}

// The controller wires the store's revocations to EndSessions (main.cc):
// a server stopped while its console is open ends the session, 4002, and
// the other sessions keep relaying.
TEST_F(ConsoleProxyTest, TokenRevoked_EndsItsSessions_OthersKeepRelaying) {
  StartProxy();
  store_->SetRevocationListener(
      [this](const std::vector<RevokedToken>& revoked) {
        std::vector<std::string> hashes;
        for (const RevokedToken& r : revoked) hashes.push_back(r.token_hash);
        proxy_->EndSessions(hashes);
      });
  RawWebSocket revoked, kept;
  ASSERT_TRUE(revoked.Connect(serial_port()));
  ASSERT_EQ(revoked.Upgrade("/?token=" + SerialToken())->status, 101);
  std::string vnc = VncToken();
  ASSERT_TRUE(kept.Connect(novnc_port()));
  ASSERT_EQ(kept.Upgrade("/?token=" + vnc)->status, 101);
  ASSERT_TRUE(kept.ReadDataFrame().has_value());  // the RFB banner

  ASSERT_EQ(*store_->DeleteForInstance(kSerialVm), 1);
  ExpectCloseFrame(revoked.ReadFrame(), 4002);
  EXPECT_TRUE(testing::WaitFor([&] { return proxy_->sessions() == 1; },
                               std::chrono::seconds(5)));
  store_->SetRevocationListener(nullptr);
}

TEST_F(ConsoleProxyTest, ConsoleCloses_ClientGets4005ConsoleClosed) {
  // A console that accepts, says one thing and hangs up.
  int port = 0;
  int listener = testing::ListenLoopback(4, &port);
  ASSERT_GE(listener, 0);
  directory_.Upsert(MakeServer(kDeadVm, v1::PROTOCOL_VNC, port));
  StartProxy();
  RawWebSocket ws;
  auto head = UpgradeNoVnc(ws, "/?token=" + Issue("novnc", kDeadVm, port));
  ASSERT_TRUE(head.has_value());
  ASSERT_EQ(head->status, 101);
  int conn = accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  ASSERT_EQ(send(conn, "bye", 3, 0), 3);
  close(conn);
  close(listener);
  auto frame = ws.ReadDataFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "bye");
  auto close_frame = ws.ReadDataFrame();
  ExpectCloseFrame(close_frame, 4005);
  EXPECT_EQ(close_frame->payload.substr(2), "console closed");
}

TEST_F(ConsoleProxyTest, Stop_DrainsThenSends4006ProxyShuttingDown) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  const int port = serial_port();
  auto started = std::chrono::steady_clock::now();
  proxy_->Stop(absl::Milliseconds(300));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(300));
  ExpectCloseFrame(ws.ReadFrame(), 4006);  // proxy shutting down
  EXPECT_TRUE(ws.WaitForEof(seconds(5)));
  RawWebSocket late;
  EXPECT_FALSE(late.Connect(port));  // no longer accepting
}

TEST_F(ConsoleProxyTest, StaticFiles_ServedAndRefused) {
  StartProxy();
  RawWebSocket c;
  ASSERT_TRUE(c.Connect(novnc_port()));
  ASSERT_TRUE(c.SendRaw(
      "GET /vnc_lite.html?path=%3Ftoken%3Dx HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto head = c.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(head->Header("content-length"), "18");
  // The URL carries a console token: no Referer leaves the page, and the
  // browser sniffs no other type.
  EXPECT_EQ(head->Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(head->Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(c.ReadExactly(18), "<html>noVNC</html>");
  // Keep-alive: the next request on the same connection.
  ASSERT_TRUE(c.SendRaw("GET //example.com/%2F.. HTTP/1.1\r\nHost: a\r\n\r\n"));
  head = c.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 400);
  EXPECT_FALSE(head->Has("location"));

  for (std::string target : {"/", "/../tokens.db", "/%2e%2e/tokens.db"}) {
    RawWebSocket d;
    ASSERT_TRUE(d.Connect(novnc_port()));
    ASSERT_TRUE(d.SendRaw("GET " + target +
                          " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
    auto h = d.ReadHead();
    ASSERT_TRUE(h.has_value());
    EXPECT_EQ(h->status, 404) << target;
  }
}

TEST_F(ConsoleProxyTest, SerialListenerPlainGet_Is405) {
  StartProxy();
  RawWebSocket c;
  ASSERT_TRUE(c.Connect(serial_port()));
  ASSERT_TRUE(c.SendRaw("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto head = c.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 405);
}

// Protocol violations Beast must catch; the relay must not pass them on.
TEST_F(ConsoleProxyTest, UnmaskedClientFrame_ClosesSession) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  ASSERT_TRUE(ws.SendFrame(2, "hello", /*mask=*/false));
  EXPECT_TRUE(ws.WaitForEof(seconds(5)));
  EXPECT_EQ(echo_.bytes_echoed(), 0u);
}

TEST_F(ConsoleProxyTest, HugeFrameLength_ClosesSession) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  // 2^63 with the top bit set (illegal), then a plain 2^62.
  std::string frame = "\x82\xff";
  frame += std::string("\x80\0\0\0\0\0\0\0", 8);
  frame += "abcd";
  ASSERT_TRUE(ws.SendRaw(frame));
  EXPECT_TRUE(ws.WaitForEof(seconds(5)));
}

TEST_F(ConsoleProxyTest, MessageOverLimit_ClosesWith1009) {
  options_.max_message_bytes = 1000;
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  ASSERT_TRUE(ws.SendBinary(std::string(5000, 'y')));
  ExpectCloseFrame(ws.ReadDataFrame(), 1009);
}

TEST_F(ConsoleProxyTest, FragmentedPing_ClosesSession) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  ASSERT_TRUE(ws.SendFrame(9, "ping", true, /*fin=*/false));
  ExpectCloseFrame(ws.ReadDataFrame(), 1002);  // protocol error
}

TEST_F(ConsoleProxyTest, Keepalive_ServerPingsQuietClient) {
  options_.keepalive_interval = absl::Milliseconds(300);
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  auto frame = ws.ReadFrame(seconds(3));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->opcode, 9);
  // Answering keeps the session; not answering drops it.
  ASSERT_TRUE(ws.SendFrame(10, frame->payload));
  EXPECT_TRUE(ws.WaitForEof(seconds(5)));  // 2 x 300 ms without data
}

TEST_F(ConsoleProxyTest, IdleTimeout_ClosesQuietSession) {
  options_.idle_timeout = absl::Milliseconds(300);
  StartProxy();
  RawWebSocket ws;
  ASSERT_NO_FATAL_FAILURE(OpenSerialSession(ws));
  auto frame = ws.ReadDataFrame(seconds(3));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->opcode, 8);
  EXPECT_EQ(frame->close_code(), 4004);
  EXPECT_EQ(frame->payload.substr(2), "idle");
}

TEST_F(ConsoleProxyTest, EnforceSessionTimeout_CutsAtTokenExpiry) {
  options_.enforce_session_timeout = true;
  StartProxy();
  std::string token = Issue("serial", kSerialVm, echo_.port(), kNow + 1,
                            "ws://127.0.0.1:6083/");
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(serial_port()));
  ASSERT_EQ(ws.Upgrade("/?token=" + token)->status, 101);
  auto started = std::chrono::steady_clock::now();
  auto frame = ws.ReadDataFrame(seconds(4));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->opcode, 8);
  EXPECT_EQ(frame->close_code(), 4003);
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(3));
}

TEST_F(ConsoleProxyTest, WithoutEnforcement_SessionOutlivesToken) {
  StartProxy();
  std::string token = Issue("serial", kSerialVm, echo_.port(), kNow + 1,
                            "ws://127.0.0.1:6083/");
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(serial_port()));
  ASSERT_EQ(ws.Upgrade("/?token=" + token)->status, 101);
  now_ = kNow + 100;
  EXPECT_FALSE(ws.ReadFrame(milliseconds(1500)).has_value());
  ASSERT_TRUE(ws.SendBinary("still here"));
  auto frame = ws.ReadDataFrame();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->payload, "still here");
}

TEST_F(ConsoleProxyTest, SlowHandshake_IsCut) {
  options_.handshake_timeout = absl::Milliseconds(300);
  StartProxy();
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(novnc_port()));
  ASSERT_TRUE(ws.SendRaw("GET /?token=x HTTP/1.1\r\nHost: a\r\n"));
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(ws.WaitForEof(seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
}

// Request smuggling (issue 16): the proxies expect no request body; a head
// that announces one in any way is refused, and what follows it is never
// answered as another request.
TEST_F(ConsoleProxyTest, DesyncFramings_400AndCloseTheTailIsNeverAnswered) {
  StartProxy();
  const std::string tail = "GET /vnc_lite.html HTTP/1.1\r\nHost: a\r\n\r\n";
  for (const std::string& framing :
       {std::string("Transfer-Encoding: xchunked\r\n"),
        std::string("Transfer-Encoding: chunked, identity\r\n"),
        std::string("Transfer-Encoding: identity\r\n"),
        std::string("Transfer-Encoding: chunked\r\n"),
        "Content-Length: " + std::to_string(tail.size()) + "\r\n"}) {
    RawWebSocket ws;
    ASSERT_TRUE(ws.Connect(novnc_port()));
    ASSERT_TRUE(ws.SendRaw("GET /vnc_lite.html HTTP/1.1\r\nHost: a\r\n" +
                           framing + "\r\n" + tail));
    auto head = ws.ReadHead();
    ASSERT_TRUE(head.has_value()) << framing;
    EXPECT_EQ(head->status, 400) << framing;
    std::optional<std::string> rest = ws.ReadToEnd();
    ASSERT_TRUE(rest.has_value()) << framing;  // closed
    EXPECT_EQ(rest->find("HTTP/1.1"), std::string::npos) << framing << *rest;
  }
}

TEST_F(ConsoleProxyTest, UpgradeWithABody_400AndNoSession) {
  StartProxy();
  RawWebSocket ws;
  ASSERT_TRUE(ws.Connect(serial_port()));
  ASSERT_TRUE(
      ws.SendUpgrade("/?token=" + SerialToken(), {"Content-Length: 5"}));
  ASSERT_TRUE(ws.SendRaw("hello"));
  auto head = ws.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 400);
  EXPECT_TRUE(ws.WaitForEof(seconds(5)));
  EXPECT_EQ(proxy_->sessions(), 0u);
}

TEST_F(ConsoleProxyTest, OverConnectionLimit_503Overloaded) {
  options_.max_connections = 1;
  StartProxy();
  RawWebSocket first;
  ASSERT_TRUE(first.Connect(serial_port()));
  ASSERT_EQ(first.Upgrade("/?token=" + SerialToken())->status, 101);
  RawWebSocket second;
  ASSERT_TRUE(second.Connect(serial_port()));
  auto head = second.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 503);
  EXPECT_EQ(head->Header("x-porthole-error"), "overloaded");
}

// One console URL must not take the pool every tenant shares (issue 16):
// past max_sessions_per_token the upgrade is refused, other URLs and pages
// are served, and the URL stays reusable once a session ends.
TEST_F(ConsoleProxyTest, SessionsPerToken_Capped429_OthersStillServed) {
  options_.max_sessions_per_token = 2;
  StartProxy();
  const std::string token = SerialToken();
  RawWebSocket a, b, c;
  for (RawWebSocket* ws : {&a, &b}) {
    ASSERT_TRUE(ws->Connect(serial_port()));
    ASSERT_EQ(ws->Upgrade("/?token=" + token)->status, 101);
  }
  ASSERT_TRUE(c.Connect(serial_port()));
  ExpectRejected(c, c.Upgrade("/?token=" + token), 429, "token-session-limit");

  RawWebSocket other;
  ASSERT_TRUE(other.Connect(serial_port()));
  EXPECT_EQ(other.Upgrade("/?token=" + SerialToken())->status, 101);
  testing::RawSocket page;
  ASSERT_TRUE(page.Connect(novnc_port()));
  page.Send("GET /vnc_lite.html HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(page.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);

  a.Close();
  ASSERT_TRUE(
      testing::WaitFor([&] { return proxy_->sessions() == 2; }, seconds(5)));
  RawWebSocket again;
  ASSERT_TRUE(again.Connect(serial_port()));
  EXPECT_EQ(again.Upgrade("/?token=" + token)->status, 101);
}

TEST_F(ConsoleProxyTest, ConnectionsPerClient_Capped429_OtherClientsServed) {
  options_.max_connections_per_client = 2;
  StartProxy();
  RawWebSocket a, b, c;
  ASSERT_TRUE(a.Connect(novnc_port()));
  ASSERT_TRUE(b.Connect(serial_port()));  // the listeners count together
  ASSERT_TRUE(
      testing::WaitFor([&] { return proxy_->connections() == 2; }, seconds(5)));
  ASSERT_TRUE(c.Connect(novnc_port()));
  auto head = c.ReadHead();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 429);
  EXPECT_EQ(head->Header("x-porthole-error"), "client-connection-limit");

  testing::RawSocket elsewhere;
  if (!elsewhere.Connect(novnc_port(), "127.0.0.1", "127.0.0.2")) {
    GTEST_SKIP() << "cannot bind 127.0.0.2 here";
  }
  elsewhere.Send("GET /vnc_lite.html HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(elsewhere.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(ConsoleProxyTest, ConnectionsPerClient_TrustedProxyIsExempt) {
  options_.max_connections_per_client = 1;
  options_.trusted_proxies = {"127.0.0.1"};
  StartProxy();
  testing::RawSocket first, second;
  ASSERT_TRUE(first.Connect(novnc_port()));
  ASSERT_TRUE(second.Connect(novnc_port()));
  for (testing::RawSocket* page : {&first, &second}) {
    page->Send("GET /vnc_lite.html HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(page->ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  }
}

TEST_F(ConsoleProxyTest, PortInUse_StartFailsNamingTheAddress) {
  StartProxy();
  ProxyOptions clash = options_;
  clash.novnc.listen.port = static_cast<uint16_t>(novnc_port());
  ConsoleProxy second(clash, store_.get(), &directory_);
  absl::Status s = second.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message())
                .rfind("cannot listen on 127.0.0.1:" +
                           std::to_string(novnc_port()) + ": ",
                       0),
            0u)
      << s;
}

TEST_F(ConsoleProxyTest, DisabledListener_IsNotOpened) {
  options_.spice.enabled = false;
  StartProxy();
  EXPECT_EQ(proxy_->port(ProxyKind::kSpiceHtml5), 0);
  EXPECT_NE(proxy_->port(ProxyKind::kNoVnc), 0);
}

}  // namespace
}  // namespace porthole::controller
