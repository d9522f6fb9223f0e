// HttpClient (libcurl) against small loopback servers that answer as
// Keystone's wsgiref does (HTTP/1.0, close after each answer), too much, or
// not at all.
#include "controller/keystone/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace porthole::controller::keystone {
namespace {

// A listening socket on 127.0.0.1 (an ephemeral port) that a test may
// never accept on (a server that hangs).
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), length);
    listen(fd_, 16);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd_); }
  int fd() const { return fd_; }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v3/auth/tokens";
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Answers `count` requests on `listener`, one connection each, with
// `response`, then closes the connection (HTTP/1.0 style).
std::thread Answer(const Listener& listener, int count, std::string response) {
  return std::thread([fd = listener.fd(), count, response] {
    for (int i = 0; i < count; ++i) {
      const int client = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) return;
      char buf[4096];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(client, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      size_t sent = 0;
      while (sent < response.size()) {
        const ssize_t n = send(client, response.data() + sent,
                               response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      close(client);
    }
  });
}

TEST(HttpClientTest, Http10ServerClosingEachTime_EveryRequestAnswered) {
  Listener listener;
  std::thread server =
      Answer(listener, 3,
             "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
             "x-subject-token: abc\r\nContent-Length: 2\r\n\r\n{}");
  HttpClient client({});
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<HttpClientResponse> r =
        client.Send({.method = "GET", .url = listener.url()});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "{}");
    EXPECT_EQ(r->Header("X-Subject-Token"), "abc");  // any case
  }
  server.join();
}

TEST(HttpClientTest, PostAnswered401_IsAnAnswerNotAnError) {
  Listener listener;
  std::thread server = Answer(
      listener, 1, "HTTP/1.0 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
  HttpClient client({});
  absl::StatusOr<HttpClientResponse> r = client.Send(
      {.method = "POST", .url = listener.url(), .body = R"({"auth": {}})"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 401);  // a status is an answer, not an error
  server.join();
}

TEST(HttpClientTest, BodyLargerThanTheBound_IsResourceExhausted) {
  Listener listener;
  const std::string body(2 << 20, 'x');
  std::thread server = Answer(
      listener, 1,
      "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\n\r\n" + body);
  HttpClient client({.max_response_bytes = 1 << 20});
  absl::StatusOr<HttpClientResponse> r =
      client.Send({.method = "GET", .url = listener.url()});
  EXPECT_TRUE(absl::IsResourceExhausted(r.status())) << r.status();
  server.join();
}

TEST(HttpClientTest, ServerThatNeverAnswers_IsUnavailableWithinTheTimeout) {
  Listener listener;  // connections wait in the backlog, never accepted
  HttpClient client({.timeout = absl::Milliseconds(300)});
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<HttpClientResponse> r =
      client.Send({.method = "GET", .url = listener.url()});
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(HttpClientTest, NothingListening_IsUnavailable) {
  const int port = testing::PickFreePort();
  HttpClient client({});
  absl::StatusOr<HttpClientResponse> r = client.Send(
      {.method = "GET", .url = "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
}

TEST(HttpClientTest, OtherSchemes_AreRefused) {
  HttpClient client({});
  absl::StatusOr<HttpClientResponse> r =
      client.Send({.method = "GET", .url = "file:///etc/passwd"});
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace porthole::controller::keystone
