// Request smuggling against the real daemons (issue 16 item 2), as a class
// of hostile framings: every head whose body framing two parsers could read
// two ways gets one 400 (or 501) and a close, on the API and on every console
// proxy, and the request hidden after it is never answered. Raw bytes on a
// socket, because no well-behaved client can send these.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/raw_socket.h"

namespace porthole::testing {
namespace {

using std::chrono::seconds;

constexpr char kVnc[] = "11111111-1111-4111-8111-111111111111";
constexpr char kBobServer[] = "22222222-2222-4222-8222-222222222222";
constexpr char kBobUser[] = "aaaaaaaa-0000-4000-8000-000000000002";

// The framing header lines of the class, for a body of `length` bytes.
std::vector<std::string> DesyncFramings(size_t length) {
  const std::string cl = "Content-Length: " + std::to_string(length) + "\r\n";
  return {
      "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: chunked, identity\r\n",
      "Transfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked;ext=1\r\n",
      "Transfer-Encoding: \r\n",
      "Transfer-Encoding: xchunked\r\n" + cl,
      cl + "Transfer-Encoding: chunked\r\n",
      "Transfer-Encoding: chunked\r\n" + cl,
      "Transfer-Encoding: gzip, chunked\r\n",
  };
}

class DesyncProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stack_.Start()) << stack_.ControllerLog();
  }

  // Sends `head` (ending in its framing lines), the blank line and `tail`;
  // returns everything the server wrote before it closed.
  std::string Exchange(int port, const std::string& head,
                       const std::string& tail, bool* closed) {
    RawSocket client;
    if (!client.Connect(port)) return "<no connect>";
    client.Send(head + "\r\n" + tail);
    return client.ReadUntilClose(seconds(5), closed);
  }

  ControllerStack stack_;
};

TEST_F(DesyncProcessTest, Api_SmuggledRequestIsNeverAnswered) {
  // The probe of the issue: alice's POST carries bob's request as its body.
  const std::string tail =
      std::string("GET /v2.1/servers HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ") +
      kBobToken + "\r\n\r\n";
  for (const std::string& framing : DesyncFramings(tail.size())) {
    bool closed = false;
    const std::string out = Exchange(
        stack_.api_port(),
        std::string("POST /v2.1/servers/") + kVnc +
            "/remote-consoles HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " +
            kAliceToken + "\r\nContent-Type: application/json\r\n" + framing,
        tail, &closed);
    EXPECT_EQ(CountResponses(out), 1) << framing << out;
    EXPECT_TRUE(out.rfind("HTTP/1.1 400", 0) == 0 ||
                out.rfind("HTTP/1.1 501", 0) == 0)
        << framing << out;
    EXPECT_TRUE(closed) << framing;
    EXPECT_EQ(out.find(kBobServer), std::string::npos) << framing;
  }
  const std::string log = stack_.ControllerLog();
  EXPECT_EQ(log.find(std::string("user=") + kBobUser), std::string::npos)
      << log;
  EXPECT_NE(log.find("request refused"), std::string::npos);
}

TEST_F(DesyncProcessTest, Api_ChunkedBodyStillWorks) {
  const std::string body =
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
  char size[16];
  snprintf(size, sizeof size, "%zx", body.size());
  bool closed = false;
  const std::string out =
      Exchange(stack_.api_port(),
               std::string("POST /v2.1/servers/") + kVnc +
                   "/remote-consoles HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " +
                   kAliceToken +
                   "\r\nOpenStack-API-Version: compute 2.6\r\n"
                   "Content-Type: application/json\r\nConnection: close\r\n"
                   "Transfer-Encoding: chunked\r\n",
               std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n", &closed);
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  EXPECT_NE(out.find("remote_console"), std::string::npos);
}

TEST_F(DesyncProcessTest, Proxies_SmuggledRequestIsNeverAnswered) {
  const std::string tail = "GET /vnc_lite.html HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int port : {stack_.novnc_port(), stack_.serial_port()}) {
    for (const std::string& framing : DesyncFramings(tail.size())) {
      for (const std::string& request :
           {std::string("GET /vnc_lite.html HTTP/1.1\r\nHost: x\r\n"),
            std::string("GET /?token=x HTTP/1.1\r\nHost: x\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n")}) {
        bool closed = false;
        const std::string out =
            Exchange(port, request + framing, tail, &closed);
        EXPECT_EQ(CountResponses(out), 1) << port << framing << out;
        EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << port << framing << out;
        EXPECT_TRUE(closed) << port << framing;
      }
    }
  }
  // A body the proxies never expect, even with a plain length.
  bool closed = false;
  const std::string out = Exchange(stack_.novnc_port(),
                                   "GET /vnc_lite.html HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Length: " +
                                       std::to_string(tail.size()) + "\r\n",
                                   tail, &closed);
  EXPECT_EQ(CountResponses(out), 1) << out;
  EXPECT_TRUE(closed);
  // And the listeners serve honest requests as before.
  EXPECT_EQ(HttpCall(stack_.novnc_port(), "GET", "/vnc_lite.html").status > 0,
            true);
}

}  // namespace
}  // namespace porthole::testing
