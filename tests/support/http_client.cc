#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "tests/support/loopback.h"

namespace porthole::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The request HttpCall and HttpsGet send: Connection: close, and a
// Content-Length whenever there is a body (or the method is POST).
std::string RequestText(
    int port, const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + body;
}

// The status line, headers and body of everything the server sent before
// it closed; status 0 when the head is incomplete.
HttpReply ParseReply(const std::string& raw) {
  HttpReply reply;
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return reply;
  size_t line_end = raw.find("\r\n");
  reply.status_line = raw.substr(0, line_end);
  if (reply.status_line.size() >= 12)
    reply.status = std::stoi(reply.status_line.substr(9, 3));
  size_t pos = line_end + 2;
  while (pos < head_end) {
    size_t end = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      size_t v = line.find_first_not_of(' ', colon + 1);
      reply.headers.emplace_back(line.substr(0, colon),
                                 v == std::string::npos ? "" : line.substr(v));
    }
    pos = end + 2;
  }
  reply.body = raw.substr(head_end + 4);
  return reply;
}

// Bounds each blocking read and write on `fd` by what is left until
// `deadline` (at least 1 ms); false when nothing is left.
bool BoundSocketBy(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - Clock::now());
  if (left.count() <= 0) return false;
  timeval tv{static_cast<time_t>(left.count() / 1000000),
             static_cast<suseconds_t>(left.count() % 1000000)};
  if (tv.tv_sec == 0 && tv.tv_usec < 1000) tv.tv_usec = 1000;
  return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
         setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0;
}

// The first error on OpenSSL's queue (certificate verification's reason
// when that failed), or `fallback`.
std::string TlsError(SSL* ssl, const std::string& fallback) {
  const long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) return X509_verify_cert_error_string(verify);
  const unsigned long code = ERR_get_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

std::optional<std::string> HttpReply::Header(const std::string& name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) found = value;
  }
  return found;
}

std::vector<std::string> HttpReply::Headers(const std::string& name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) values.push_back(value);
  }
  return values;
}

HttpReply HttpCall(
    int port, const std::string& method, const std::string& target,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return {};
  const std::string request = RequestText(port, method, target, headers, body);
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n =
        send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[8192];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ParseReply(raw);
}

HttpReply HttpsGet(int port, const std::string& target,
                   const std::string& ca_file, std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  const int fd = ConnectLoopback(port);
  if (fd < 0) {
    *error = "connect to 127.0.0.1:" + std::to_string(port) + " failed";
    return {};
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(nullptr, SSL_free);
  std::string raw;
  if (ctx == nullptr ||
      SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
    *error = "cannot load CA file " + ca_file;
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    ssl.reset(SSL_new(ctx.get()));
    // The certificate must name the address dialled (an IP SAN).
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), "127.0.0.1");
    SSL_set_fd(ssl.get(), fd);
    const std::string request = RequestText(port, "GET", target, {}, "");
    if (!BoundSocketBy(fd, deadline) || SSL_connect(ssl.get()) != 1) {
      *error = "TLS handshake: " + TlsError(ssl.get(), "failed or timed out");
    } else if (!BoundSocketBy(fd, deadline) ||
               SSL_write(ssl.get(), request.data(),
                         static_cast<int>(request.size())) <= 0) {
      *error = "TLS write failed";
    } else {
      char buf[8192];
      while (BoundSocketBy(fd, deadline)) {
        const int n = SSL_read(ssl.get(), buf, sizeof buf);
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
      }
    }
  }
  ssl.reset();
  close(fd);
  HttpReply reply = ParseReply(raw);
  if (reply.status == 0 && error->empty()) *error = "no complete reply";
  return reply;
}

}  // namespace porthole::testing
