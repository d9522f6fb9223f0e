// The HTTP server over real loopback sockets, with hostile clients.
#include "controller/http/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/http_client.h"
#include "tests/support/loopback.h"
#include "tests/support/raw_socket.h"

namespace porthole::controller {
namespace {

using namespace std::chrono_literals;

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// Reads until the peer closes or `timeout` passes; returns what arrived.
std::string ReadUntilClose(int fd, std::chrono::milliseconds timeout,
                           bool* closed = nullptr) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  if (closed) *closed = false;
  return out;
}

// Reads one response (headers + Content-Length body).
std::string ReadResponse(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    size_t head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      size_t cl = out.find("Content-Length: ");
      size_t len =
          cl == std::string::npos ? 0 : std::stoul(out.substr(cl + 16));
      if (out.size() >= head_end + 4 + len) return out;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) return out;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options) {
    options.listen = {"127.0.0.1", 0};
    server_ = std::make_unique<HttpServer>(
        options,
        [this](const HttpRequest& request) {
          ++handled_;
          if (request.target == "/slow") std::this_thread::sleep_for(300ms);
          HttpResponse response;
          response.status = 200;
          response.AddHeader("Content-Type", "text/plain");
          response.AddHeader("Vary", "A");
          response.AddHeader("Vary", "B");
          response.body = request.method + " " + request.target + " " +
                          std::to_string(request.body.size());
          return response;
        },
        [](int status, const std::string& reason) {
          HttpResponse response;
          response.status = status;
          response.body = "rejected: " + reason;
          return response;
        });
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> handled_{0};
};

TEST_F(HttpServerTest, KeepAlive_TwoRequestsOneConnection_RepeatedHeadersKept) {
  StartServer({});
  int fd = testing::ConnectLoopback(port_);
  SendAll(fd,
          "POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc");
  std::string first = ReadResponse(fd);
  EXPECT_NE(first.find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(first.find("Vary: A\r\nVary: B\r\n"), std::string::npos);
  EXPECT_NE(first.find("POST /a?x=1 3"), std::string::npos);
  SendAll(fd, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_NE(ReadResponse(fd).find("GET /b 0"), std::string::npos);
  close(fd);
}

TEST_F(HttpServerTest, HugeDeclaredBody_RefusedWith413BeforeTheBodyIsRead) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  int fd = testing::ConnectLoopback(port_);
  SendAll(fd,
          "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 104857600\r\n\r\n");
  bool closed = false;
  std::string reply = ReadUntilClose(fd, 3s, &closed);
  EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("rejected: Request is too large."), std::string::npos);
  EXPECT_TRUE(closed);
  EXPECT_EQ(handled_.load(), 0);
  close(fd);
}

TEST_F(HttpServerTest, TenThousandHeaders_Refused431) {
  StartServer({});
  int fd = testing::ConnectLoopback(port_);
  std::string request = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 10000; ++i)
    request += "X-H" + std::to_string(i) + ": v\r\n";
  SendAll(fd, request + "\r\n");
  std::string reply = ReadUntilClose(fd, 3s);
  EXPECT_NE(reply.find("HTTP/1.1 431"), std::string::npos)
      << reply.substr(0, 200);
  EXPECT_EQ(handled_.load(), 0);
  close(fd);
}

TEST_F(HttpServerTest, Garbage_Gets400AndClose) {
  StartServer({});
  int fd = testing::ConnectLoopback(port_);
  SendAll(fd, "\x16\x03\x01 not http at all\r\n\r\n");
  bool closed = false;
  std::string reply = ReadUntilClose(fd, 3s, &closed);
  EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << reply;
  EXPECT_TRUE(closed);
  close(fd);
}

// Request smuggling (issue 16): a head whose body framing two parsers could
// read two ways is refused before any handler runs, and the bytes after it
// are never run as the next request.
TEST_F(HttpServerTest, DesyncFramings_400AndCloseAndTheTailNeverRuns) {
  StartServer({});
  const std::string tail = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string length = std::to_string(tail.size());
  for (const std::string& framing : {
           std::string("Transfer-Encoding: xchunked\r\n"),
           std::string("Transfer-Encoding: chunked, identity\r\n"),
           std::string("Transfer-Encoding: identity\r\n"),
           std::string("Transfer-Encoding: chunked\r\n"
                       "Transfer-Encoding: identity\r\n"),
           "Transfer-Encoding: xchunked\r\nContent-Length: " + length + "\r\n",
           "Content-Length: " + length + "\r\nTransfer-Encoding: chunked\r\n",
           "Transfer-Encoding: chunked\r\nContent-Length: " + length + "\r\n",
       }) {
    int fd = testing::ConnectLoopback(port_);
    SendAll(fd, "POST /a HTTP/1.1\r\nHost: h\r\n" + framing + "\r\n" + tail);
    bool closed = false;
    const std::string reply = ReadUntilClose(fd, 3s, &closed);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << framing << reply;
    EXPECT_EQ(reply.find("HTTP/1.1", 1), std::string::npos) << framing;
    EXPECT_TRUE(closed) << framing;
    close(fd);
  }
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpServerTest, ChunkedInHttp10_Is400) {
  StartServer({});
  int fd = testing::ConnectLoopback(port_);
  SendAll(fd,
          "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(ReadUntilClose(fd, 3s).rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(handled_.load(), 0);
  close(fd);
}

TEST_F(HttpServerTest, GzipThenChunked_Is501) {
  StartServer({});
  int fd = testing::ConnectLoopback(port_);
  SendAll(fd,
          "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked"
          "\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(ReadUntilClose(fd, 3s).rfind("HTTP/1.1 501", 0), 0u);
  EXPECT_EQ(handled_.load(), 0);
  close(fd);
}

TEST_F(HttpServerTest, ChunkedBody_IsReadWholeThenKeepAliveGoesOn) {
  StartServer({});
  testing::RawSocket client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send(
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_NE(client.ReadResponse().find("POST /a 5"), std::string::npos);
  EXPECT_NE(client.ReadResponse().find("GET /b 0"), std::string::npos);
}

TEST_F(HttpServerTest, Slowloris_IsCutAfterHeaderTimeout_OthersStillServed) {
  HttpServerOptions options;
  options.header_timeout = absl::Milliseconds(800);
  StartServer(options);
  int slow = testing::ConnectLoopback(port_);
  const std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX-Slow: ";
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  for (size_t i = 0; i < 40 && !cut; ++i) {
    SendAll(slow, std::string(1, head[i % head.size()]));
    std::string got = ReadUntilClose(slow, 100ms, &cut);
    // Meanwhile a normal client is served.
    if (i == 3) {
      int fd = testing::ConnectLoopback(port_);
      SendAll(fd, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
      EXPECT_NE(ReadResponse(fd).find("GET /ok 0"), std::string::npos);
      close(fd);
    }
  }
  EXPECT_TRUE(cut);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  close(slow);
}

TEST_F(HttpServerTest, ConnectionLimit_ExtraConnectionGets503) {
  HttpServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  int a = testing::ConnectLoopback(port_), b = testing::ConnectLoopback(port_);
  // Make sure both are accepted and counted before the third arrives.
  SendAll(a, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
  ReadResponse(a);
  SendAll(b, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  ReadResponse(b);
  int c = testing::ConnectLoopback(port_);
  std::string reply = ReadUntilClose(c, 3s);
  EXPECT_NE(reply.find("HTTP/1.1 503"), std::string::npos) << reply;
  close(a);
  close(b);
  close(c);
  // Slots free up once clients leave.
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        int d = testing::ConnectLoopback(port_);
        SendAll(d, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
        bool ok = ReadResponse(d).find("GET /3 0") != std::string::npos;
        close(d);
        return ok;
      },
      5s));
}

TEST_F(HttpServerTest, Stop_LetsInFlightRequestFinish) {
  StartServer({});
  int fd = testing::ConnectLoopback(port_);
  SendAll(fd, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(testing::WaitFor([&] { return handled_.load() == 1; }, 5s));
  server_->Stop(absl::Seconds(2));
  EXPECT_NE(ReadUntilClose(fd, 3s).find("GET /slow 0"), std::string::npos);
  close(fd);
  EXPECT_EQ(testing::ConnectLoopback(port_), -1);  // no longer listening
}

TEST_F(HttpServerTest, PortInUse_IsAClearError) {
  StartServer({});
  HttpServerOptions options;
  options.listen = {"127.0.0.1", static_cast<uint16_t>(port_)};
  HttpServer second(options, nullptr, nullptr);
  absl::Status s = second.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot listen on 127.0.0.1:" + std::to_string(port_) +
                             ": Address already in use");
}

}  // namespace
}  // namespace porthole::controller
