// Session lifetime and viewer sharing through ConsoleProxy (issue 13): a
// real QEMU VNC server, raw RFB clients over raw WebSockets, a real SQLite
// token store and the real JSON-lines audit log. max_session_duration,
// the input-only idle limit, single_use URLs, and [vnc] viewer_sharing
// with two viewers of one screen.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/controller/proxy/audited_proxy_test.h"
#include "tests/controller/proxy/raw_websocket.h"
#include "tests/support/child_process.h"
#include "tests/support/qemu_vnc_guest.h"

namespace porthole::controller {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using testing::RawWebSocket;
using Json = nlohmann::json;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// What a viewer sends: a whole-screen FramebufferUpdateRequest (what noVNC
// sends after every update, not input) and a PointerEvent (input).
const std::string kUpdateRequest = Bytes({3, 0, 0, 0, 0, 0, 0, 16, 0, 16});
const std::string kPointerEvent = Bytes({5, 0, 0, 10, 0, 20});

// An RFB client over a raw WebSocket: the bytes of the data frames as one
// stream, and the close frame when it comes.
class RfbViewer {
 public:
  explicit RfbViewer(int port) { connected_ = ws_.Connect(port); }

  std::optional<RawWebSocket::Head> Open(const std::string& token) {
    if (!connected_) return std::nullopt;
    return ws_.Upgrade("/?token=" + token);
  }

  // RFB 3.8 with security None, then ClientInit with `shared`; true once
  // ServerInit arrived.
  bool Handshake(int shared) {
    if (Read(12) != "RFB 003.008\n") return false;
    if (!ws_.SendBinary("RFB 003.008\n")) return false;
    std::optional<std::string> count = Read(1);
    if (!count || (*count)[0] == 0) return false;
    std::optional<std::string> types = Read(static_cast<uint8_t>((*count)[0]));
    if (!types || types->find('\x01') == std::string::npos) return false;
    if (!ws_.SendBinary(Bytes({1}))) return false;
    if (Read(4) != Bytes({0, 0, 0, 0})) return false;
    if (!ws_.SendBinary(Bytes({shared}))) return false;
    std::optional<std::string> init = Read(24);
    if (!init) return false;
    const auto* p = reinterpret_cast<const uint8_t*>(init->data() + 20);
    const uint32_t name_length =
        (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
    return Read(name_length).has_value();
  }

  bool Send(const std::string& bytes) { return ws_.SendBinary(bytes); }

  // Reads for up to `timeout`: true when data came (the session lives);
  // false on a close frame (then close_code() says which) or nothing.
  bool DataWithin(milliseconds timeout) {
    auto frame = ws_.ReadDataFrame(timeout);
    if (!frame) return false;
    if (frame->opcode == 8) {
      close_code_ = frame->close_code();
      close_reason_ = frame->payload.size() > 2 ? frame->payload.substr(2) : "";
      // Answered and closed as a browser does, so the session ends now.
      ws_.SendFrame(8, frame->payload);
      ws_.Close();
      return false;
    }
    buffer_ += frame->payload;
    return true;
  }

  // Waits up to `timeout` for the close frame, sending `each` (when not
  // empty) every 200 ms meanwhile; the close code, or 0.
  int WaitForClose(milliseconds timeout, const std::string& each = "") {
    const auto deadline = steady_clock::now() + timeout;
    while (close_code_ == 0 && steady_clock::now() < deadline) {
      if (!each.empty() && !Send(each)) break;
      DataWithin(milliseconds(200));
    }
    return close_code_;
  }

  int close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }

 private:
  std::optional<std::string> Read(size_t n) {
    while (buffer_.size() < n) {
      if (!DataWithin(milliseconds(5000))) return std::nullopt;
    }
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

  RawWebSocket ws_;
  bool connected_ = false;
  std::string buffer_;
  int close_code_ = 0;
  std::string close_reason_;
};

class SessionLifetimeTest : public AuditedProxyTest {
 protected:
  SessionLifetimeTest() : AuditedProxyTest(qemu_->vnc_port()) {}

  static void SetUpTestSuite() {
    qemu_ = porthole::testing::QemuVncGuest::Start(60).release();
    ASSERT_NE(qemu_, nullptr);
  }
  static void TearDownTestSuite() {
    delete qemu_;
    qemu_ = nullptr;
  }

  void SetUp() override {
    AuditedProxyTest::SetUp();
    options_.novnc = {true, {"127.0.0.1", 0}, ""};
  }

  std::string Issue() {
    return AuditedProxyTest::Issue("novnc",
                                   "http://127.0.0.1:6080/vnc_lite.html");
  }

  int port() const { return proxy_->port(ProxyKind::kNoVnc); }

  // A viewer through the proxy, past ServerInit.
  std::unique_ptr<RfbViewer> Viewer(const std::string& token, int shared = 1) {
    auto viewer = std::make_unique<RfbViewer>(port());
    auto head = viewer->Open(token);
    EXPECT_TRUE(head.has_value() && head->status == 101);
    EXPECT_TRUE(viewer->Handshake(shared));
    return viewer;
  }

  static inline porthole::testing::QemuVncGuest* qemu_ = nullptr;
};

// The screen answers every update request (data both ways), yet with no
// key, pointer or clipboard message the session is idle.
TEST_F(SessionLifetimeTest, IdleTimeout_UpdatesWithoutInput_Closes4004) {
  options_.idle_timeout = absl::Seconds(1);
  StartProxy();
  auto viewer = Viewer(Issue());
  // The idle clock started at the 101; the ServerInit came later.
  const auto after_handshake = steady_clock::now();
  EXPECT_EQ(viewer->WaitForClose(seconds(6), kUpdateRequest), 4004);
  EXPECT_EQ(viewer->close_reason(), "idle");
  EXPECT_GE(steady_clock::now() - after_handshake, milliseconds(200));
  std::vector<Json> ended = Audited("session-end");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0]["end_reason"], "idle");
  EXPECT_GE(ended[0]["duration_ms"].get<int64_t>(), 900);
  EXPECT_EQ(ended[0]["server_id"], kVm);
  EXPECT_EQ(ended[0]["user_id"], "alice");
}

TEST_F(SessionLifetimeTest, IdleTimeout_PointerInputKeepsItOpen_ThenIdle) {
  options_.idle_timeout = absl::Seconds(1);
  StartProxy();
  auto viewer = Viewer(Issue());
  // Input every 200 ms for 2.5 s: more than twice the limit, still open.
  EXPECT_EQ(
      viewer->WaitForClose(milliseconds(2500), kPointerEvent + kUpdateRequest),
      0);
  EXPECT_EQ(viewer->WaitForClose(seconds(6), kUpdateRequest), 4004);
}

TEST_F(SessionLifetimeTest, MaxSessionDuration_Closes4007DespiteInput) {
  options_.max_session_duration = absl::Seconds(1);
  options_.idle_timeout = absl::Seconds(30);
  StartProxy();
  auto viewer = Viewer(Issue());
  EXPECT_EQ(viewer->WaitForClose(seconds(6), kPointerEvent), 4007);
  EXPECT_EQ(viewer->close_reason(), "maximum session duration reached");
  std::vector<Json> ended = Audited("session-end");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0]["end_reason"], "max-duration");
  EXPECT_GE(ended[0]["duration_ms"].get<int64_t>(), 900);
}

TEST_F(SessionLifetimeTest, SingleUse_ReusedUrl403TokenUsed_Audited) {
  options_.single_use = true;
  StartProxy();
  const std::string token = Issue();
  auto first = Viewer(token);
  RawWebSocket again;
  ASSERT_TRUE(again.Connect(port()));
  auto head = again.Upgrade("/?token=" + token);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 403);
  EXPECT_EQ(head->Header("x-porthole-error"), "token-used");
  std::vector<Json> refused = Audited("admission-refused");
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0]["reason"], "token-used");
  EXPECT_EQ(refused[0]["token"], HashConsoleToken(token).substr(0, 8));
  EXPECT_EQ(refused[0]["listener"], "novnc");
  // The first session is untouched; a new URL still works.
  first->Send(kUpdateRequest);
  EXPECT_TRUE(first->DataWithin(seconds(5)));
  Viewer(Issue());
}

TEST_F(SessionLifetimeTest, SingleUseOff_ReusedUrlAdmitted) {
  StartProxy();
  const std::string token = Issue();
  auto first = Viewer(token);
  first.reset();
  auto reload = Viewer(token);  // a page reload
  reload->Send(kUpdateRequest);
  EXPECT_TRUE(reload->DataWithin(seconds(5)));
}

// QEMU drops every other client when one asks for exclusive access
// (shared-flag 0). Under `shared` the proxy turns the request into a
// shared one: the first viewer stays, and the rewrite is audited.
TEST_F(SessionLifetimeTest, Shared_SecondViewerAsksExclusive_FirstStays) {
  StartProxy();  // viewer_sharing = shared, the default
  auto first = Viewer(Issue(), 1);
  auto second = Viewer(Issue(), 0);
  for (RfbViewer* v : {first.get(), second.get()}) {
    ASSERT_TRUE(v->Send(kUpdateRequest));
    EXPECT_TRUE(v->DataWithin(seconds(5)));
  }
  // Still there a while later.
  EXPECT_EQ(first->WaitForClose(seconds(1), kUpdateRequest), 0);
  std::vector<Json> rewritten = Audited("client-init-rewritten");
  ASSERT_EQ(rewritten.size(), 1u);
  EXPECT_EQ(rewritten[0]["asked"], "exclusive");
  EXPECT_EQ(rewritten[0]["applied"], "shared");
  EXPECT_EQ(rewritten[0]["viewer_sharing"], "shared");
  EXPECT_EQ(rewritten[0]["server_id"], kVm);
  EXPECT_EQ(rewritten[0]["user_id"], "alice");
}

// The same two viewers with the client's flag passed through: QEMU cuts
// the first, which gets 4005 console closed.
TEST_F(SessionLifetimeTest, AllowExclusive_SecondViewerExclusive_FirstCut) {
  options_.viewer_sharing = ViewerSharing::kAllowExclusive;
  StartProxy();
  auto first = Viewer(Issue(), 1);
  auto second = Viewer(Issue(), 0);
  EXPECT_EQ(first->WaitForClose(seconds(5), kUpdateRequest), 4005);
  ASSERT_TRUE(second->Send(kUpdateRequest));
  EXPECT_TRUE(second->DataWithin(seconds(5)));
}

// `exclusive`: even a viewer that asks to share takes the screen alone.
TEST_F(SessionLifetimeTest, Exclusive_NewSharedViewer_CutsTheFirst) {
  options_.viewer_sharing = ViewerSharing::kExclusive;
  StartProxy();
  auto first = Viewer(Issue(), 1);
  auto second = Viewer(Issue(), 1);
  EXPECT_EQ(first->WaitForClose(seconds(5), kUpdateRequest), 4005);
  std::vector<Json> rewritten = Audited("client-init-rewritten", 2);
  ASSERT_EQ(rewritten.size(), 2u);
  EXPECT_EQ(rewritten[1]["asked"], "shared");
  EXPECT_EQ(rewritten[1]["applied"], "exclusive");
}

}  // namespace
}  // namespace porthole::controller
