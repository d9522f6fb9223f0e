#include "tests/support/raw_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace porthole::testing {
namespace {

bool FillAddress(const std::string& host, int port, sockaddr_storage* out,
                 socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    *len = sizeof *v6;
    return true;
  }
  return false;
}

}  // namespace

RawSocket::~RawSocket() { Close(); }

void RawSocket::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  pending_.clear();
}

bool RawSocket::Connect(int port, const std::string& host,
                        const std::string& source) {
  Close();
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!FillAddress(host, port, &addr, &len)) return false;
  fd_ = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (!source.empty()) {
    sockaddr_storage local;
    socklen_t local_len = 0;
    if (!FillAddress(source, 0, &local, &local_len) ||
        bind(fd_, reinterpret_cast<sockaddr*>(&local), local_len) != 0) {
      Close();
      return false;
    }
  }
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    Close();
    return false;
  }
  return true;
}

bool RawSocket::Send(std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string RawSocket::ReadUntilClose(std::chrono::milliseconds timeout,
                                      bool* closed) {
  std::string out = std::move(pending_);
  pending_.clear();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (closed) *closed = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return out;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string RawSocket::ReadSome(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) return std::exchange(pending_, "");
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
  char buf[16384];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string RawSocket::ReadFor(std::chrono::milliseconds timeout) {
  std::string out = std::move(pending_);
  pending_.clear();
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return out;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string RawSocket::ReadResponse(std::chrono::milliseconds timeout) {
  std::string out = std::move(pending_);
  pending_.clear();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const size_t head_end = out.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      size_t length = 0;
      for (const char* name : {"Content-Length: ", "content-length: "}) {
        const size_t at = out.find(name);
        if (at != std::string::npos && at < head_end) {
          length = std::stoul(out.substr(at + std::strlen(name)));
        }
      }
      const size_t end = head_end + 4 + length;
      if (out.size() >= end) {
        pending_ = out.substr(end);
        out.resize(end);
        return out;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return "";
    out.append(buf, static_cast<size_t>(n));
  }
}

int CountResponses(std::string_view bytes) {
  int count = 0;
  for (size_t at = bytes.find("HTTP/1."); at != std::string_view::npos;
       at = bytes.find("HTTP/1.", at + 1)) {
    // A status line starts the text or follows a CRLF.
    if (at == 0 || (at >= 2 && bytes.substr(at - 2, 2) == "\r\n")) ++count;
  }
  return count;
}

}  // namespace porthole::testing
