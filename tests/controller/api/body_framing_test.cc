// Hostile input, one class: request bodies that hold one valid console
// request followed by something else (a NUL byte and more JSON, garbage, a
// second value, a smuggled HTTP request) or with a NUL or a byte order mark
// inside. Nova's json.loads refuses all of them with 400 "Malformed request
// body"; so must every console route, whichever way HTTP frames the body
// (issue 16 item 5: nlohmann stopped at the NUL and issued a URL).
//
// First through ApiHandler (every route x every body), then through the real
// porthole-controller with Content-Length, chunked, byte-by-byte and
// pipelined keep-alive framings.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "api_test_support.h"
#include "gtest/gtest.h"
#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/loopback.h"

namespace porthole::controller::testing {
namespace {

using std::string_literals::operator""s;

// A console route and a body it accepts.
struct ConsoleRoute {
  std::string name;
  std::string target;
  std::optional<std::string> version;
  std::string valid_body;
};

std::vector<ConsoleRoute> Routes() {
  const std::string remote =
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
  const std::string action = R"({"os-getVNCConsole": {"type": "novnc"}})";
  const std::string server = std::string("/servers/") + kServerId;
  return {
      {"remote-consoles", "/v2.1" + server + "/remote-consoles", "2.6", remote},
      {"remote-consoles with project",
       "/v2.1/" + std::string(kProject) + server + "/remote-consoles", "2.95",
       remote},
      {"legacy action", "/v2.1" + server + "/action", "2.1", action},
      {"legacy action on /v2", "/v2" + server + "/action", std::nullopt,
       action},
  };
}

// The valid body `v` made hostile, each with a name.
std::vector<std::pair<std::string, std::string>> HostileBodies(
    const std::string& v) {
  std::string nul_in_string = v;
  nul_in_string.insert(nul_in_string.find("novnc") + 2, 1, '\0');
  std::string padded_garbage = v;
  padded_garbage.resize(kDefaultMaxBodyBytes - 1, ' ');
  padded_garbage += "x";
  return {
      {"NUL, more JSON, garbage", v + "\0"s + v + " garbage"},
      {"NUL at the end", v + "\0"s},
      {"NUL first", "\0"s + v},
      {"NUL inside a string", nul_in_string},
      {"NUL after whitespace", v + " \r\n\0"s},
      {"garbage", v + "x"},
      {"a second value", v + v},
      {"a second value after a newline", v + "\n" + v},
      {"a closing bracket", v + "}"},
      {"a smuggled request",
       v + "\r\n\r\nGET /v2.1/servers HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"vertical tab", v + "\x0b"},
      {"no-break space", v + "\xc2\xa0"},
      {"a comment", v + "/* x */"},
      {"byte order mark", "\xEF\xBB\xBF" + v},
      {"garbage at the last byte of the largest body", padded_garbage},
  };
}

class BodyFramingTest : public ::testing::Test {
 protected:
  HttpResponse Post(const ConsoleRoute& route, const std::string& body) {
    return api_.Call("POST", route.target, api_.member_, route.version, body);
  }
  ApiFixture api_;
};

TEST_F(BodyFramingTest, ValidBodyWithJsonWhitespace_IssuesAUrl) {
  for (const ConsoleRoute& route : Routes()) {
    HttpResponse response =
        Post(route, " \r\n\t" + route.valid_body + " \r\n\t");
    EXPECT_EQ(response.status, 200) << route.name << ": " << response.body;
  }
}

TEST_F(BodyFramingTest, EveryRouteEveryHostileBody_Returns400Malformed) {
  for (const ConsoleRoute& route : Routes()) {
    for (const auto& [name, body] : HostileBodies(route.valid_body)) {
      HttpResponse response = Post(route, body);
      EXPECT_EQ(response.status, 400) << route.name << ", " << name;
      EXPECT_EQ(FaultName(response), "badRequest")
          << route.name << ", " << name;
      EXPECT_EQ(FaultMessage(response), "Malformed request body")
          << route.name << ", " << name;
    }
  }
}

// --- The real controller, several framings ---------------------------------

// A loopback connection whose reads give up after 10 s.
int ConnectTo(int port) {
  int fd = porthole::testing::ConnectLoopback(port);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// Every byte the server sends until it closes (or 10 s pass).
std::string ReadToClose(int fd) {
  std::string all;
  char buffer[4096];
  for (;;) {
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return all;
    all.append(buffer, static_cast<size_t>(n));
  }
}

// The status codes of the responses in `stream`, in order.
std::vector<int> StatusCodes(const std::string& stream) {
  std::vector<int> codes;
  for (size_t at = stream.find("HTTP/1.1 "); at != std::string::npos;
       at = stream.find("HTTP/1.1 ", at + 1)) {
    codes.push_back(std::stoi(stream.substr(at + 9, 3)));
  }
  return codes;
}

std::string Head(const std::string& target, const std::string& framing,
                 const std::string& connection) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nX-Auth-Token: " +
         std::string(porthole::testing::kAliceToken) +
         "\r\nContent-Type: application/json\r\nOpenStack-API-Version: "
         "compute 2.6\r\nConnection: " +
         connection + "\r\n" + framing + "\r\n";
}

std::string ContentLength(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n";
}

// `body` as chunks of at most `size` bytes.
std::string Chunked(const std::string& body, size_t size) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += size) {
    std::string chunk = body.substr(at, size);
    char length[16];
    snprintf(length, sizeof length, "%zx\r\n", chunk.size());
    out += length + chunk + "\r\n";
  }
  return out + "0\r\n\r\n";
}

int64_t StoredTokens(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM console_auth_tokens", -1,
                           &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  return count;
}

TEST(BodyFramingProcess, HostileBodiesInEveryFraming_400AndNoTokenStored) {
  porthole::testing::ControllerStack stack(
      "", "[api]\nconsole_urls_per_minute = 0\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  const std::string target =
      "/v2.1/servers/11111111-1111-4111-8111-111111111111/remote-consoles";
  const std::string valid =
      R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
  const std::string next =
      "GET /v2.1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

  for (const auto& [name, body] : HostileBodies(valid)) {
    struct Framing {
      std::string name;
      std::string bytes;
      bool byte_by_byte;
      std::vector<int> expected;
    };
    const std::vector<Framing> framings = {
        {"Content-Length",
         Head(target, ContentLength(body), "close") + body,
         false,
         {400}},
        {"chunked, one chunk",
         Head(target, "Transfer-Encoding: chunked\r\n", "close") +
             Chunked(body, body.size()),
         false,
         {400}},
        {"chunked, 3-byte chunks",
         Head(target, "Transfer-Encoding: chunked\r\n", "close") +
             Chunked(body, 3),
         false,
         {400}},
        {"Content-Length, one byte per send",
         Head(target, ContentLength(body), "close") + body,
         true,
         {400}},
        // The next request on the connection is answered on its own: the
        // bytes after the NUL never become a request.
        {"keep-alive, then GET /v2.1",
         Head(target, ContentLength(body), "keep-alive") + body + next,
         false,
         {400, 200}},
    };
    for (const Framing& framing : framings) {
      if (framing.byte_by_byte && body.size() > 4096) continue;
      int fd = ConnectTo(stack.api_port());
      ASSERT_GE(fd, 0);
      if (framing.byte_by_byte) {
        for (char c : framing.bytes) SendAll(fd, std::string(1, c));
      } else {
        SendAll(fd, framing.bytes);
      }
      const std::string reply = ReadToClose(fd);
      close(fd);
      EXPECT_EQ(StatusCodes(reply), framing.expected)
          << name << ", " << framing.name << ":\n"
          << reply;
      EXPECT_NE(reply.find("Malformed request body"), std::string::npos)
          << name << ", " << framing.name;
    }
  }
  EXPECT_EQ(StoredTokens(stack.dir() + "/tokens.db"), 0);
  // The same framings with the valid body do issue a URL.
  int fd = ConnectTo(stack.api_port());
  ASSERT_GE(fd, 0);
  SendAll(fd, Head(target, "Transfer-Encoding: chunked\r\n", "close") +
                  Chunked(valid, 3));
  EXPECT_EQ(StatusCodes(ReadToClose(fd)), std::vector<int>{200});
  close(fd);
  EXPECT_EQ(StoredTokens(stack.dir() + "/tokens.db"), 1);
  EXPECT_TRUE(stack.controller()->running());
}

}  // namespace
}  // namespace porthole::controller::testing
