#include "tests/controller/proxy/raw_websocket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "tests/support/http_client.h"
#include "tests/support/loopback.h"

namespace porthole::testing {

RawWebSocket::~RawWebSocket() { Close(); }

void RawWebSocket::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawWebSocket::Connect(int port) {
  Close();
  fd_ = testing::ConnectLoopback(port);
  if (fd_ < 0) return false;
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

bool RawWebSocket::SendRaw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawWebSocket::SendUpgrade(const std::string& target,
                               const std::vector<std::string>& extra) {
  std::string request = "GET " + target +
                        " HTTP/1.1\r\n"
                        "Host: 127.0.0.1\r\n"
                        "Upgrade: websocket\r\n"
                        "Connection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n";
  for (const std::string& header : extra) request += header + "\r\n";
  request += "\r\n";
  return SendRaw(request);
}

bool RawWebSocket::Fill(size_t want,
                        std::chrono::steady_clock::time_point deadline) {
  while (in_.size() < want) {
    if (eof_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

std::optional<RawWebSocket::Head> RawWebSocket::ReadHead(
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t end;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(in_.size() + 1, deadline)) return std::nullopt;
  }
  std::string head = in_.substr(0, end + 2);
  in_.erase(0, end + 4);
  Head result;
  size_t line_end = head.find("\r\n");
  result.status_line = head.substr(0, line_end);
  if (result.status_line.size() >= 12) {
    result.status = std::atoi(result.status_line.substr(9, 3).c_str());
  }
  size_t pos = line_end + 2;
  while (pos < head.size()) {
    size_t next = head.find("\r\n", pos);
    std::string line = head.substr(pos, next - pos);
    pos = next + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    result.headers[name] = value;
  }
  return result;
}

std::optional<RawWebSocket::Head> RawWebSocket::Upgrade(
    const std::string& target, const std::vector<std::string>& extra) {
  if (!SendUpgrade(target, extra)) return std::nullopt;
  return ReadHead();
}

std::optional<std::string> RawWebSocket::ReadExactly(
    size_t n, std::chrono::milliseconds timeout) {
  if (!Fill(n, std::chrono::steady_clock::now() + timeout)) return std::nullopt;
  std::string out = in_.substr(0, n);
  in_.erase(0, n);
  return out;
}

std::optional<std::string> RawWebSocket::ReadToEnd(
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    if (!Fill(in_.size() + 1, deadline) && !eof_) return std::nullopt;
  }
  std::string rest = std::move(in_);
  in_.clear();
  return rest;
}

bool RawWebSocket::SendFrame(int opcode, std::string_view payload, bool mask,
                             bool fin) {
  std::string frame;
  frame.push_back(static_cast<char>((fin ? 0x80 : 0) | (opcode & 0x0f)));
  const uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() < 65536) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(
          static_cast<char>((uint64_t{payload.size()} >> shift) & 0xff));
    }
  }
  const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) frame.append(reinterpret_cast<const char*>(key), 4);
  size_t start = frame.size();
  frame.append(payload);
  if (mask) {
    for (size_t i = 0; i < payload.size(); ++i) frame[start + i] ^= key[i % 4];
  }
  return SendRaw(frame);
}

std::optional<RawWebSocket::Frame> RawWebSocket::ReadFrame(
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!Fill(2, deadline)) return std::nullopt;
  const uint8_t b0 = static_cast<uint8_t>(in_[0]);
  const uint8_t b1 = static_cast<uint8_t>(in_[1]);
  size_t header = 2;
  uint64_t length = b1 & 0x7f;
  if (length == 126) {
    if (!Fill(4, deadline)) return std::nullopt;
    length = (static_cast<uint8_t>(in_[2]) << 8) | static_cast<uint8_t>(in_[3]);
    header = 4;
  } else if (length == 127) {
    if (!Fill(10, deadline)) return std::nullopt;
    length = 0;
    for (int i = 0; i < 8; ++i) {
      length = (length << 8) | static_cast<uint8_t>(in_[2 + i]);
    }
    header = 10;
  }
  if (b1 & 0x80) header += 4;  // a server never masks; tolerate it anyway
  if (!Fill(header + length, deadline)) return std::nullopt;
  Frame frame;
  frame.fin = (b0 & 0x80) != 0;
  frame.opcode = b0 & 0x0f;
  frame.payload = in_.substr(header, length);
  in_.erase(0, header + length);
  return frame;
}

std::optional<RawWebSocket::Frame> RawWebSocket::ReadDataFrame(
    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    std::optional<Frame> frame = ReadFrame(left);
    if (!frame) return std::nullopt;
    if (frame->opcode == 9) {
      SendFrame(10, frame->payload);
      continue;
    }
    if (frame->opcode == 10) continue;
    return frame;
  }
}

bool RawWebSocket::WaitForEof(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    in_.clear();
    if (!Fill(1, deadline) && !eof_) return false;
  }
  return true;
}

}  // namespace porthole::testing
