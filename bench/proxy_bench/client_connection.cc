#include "bench/proxy_bench/client_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bench/proxy_bench/socket_io.h"
#include "tests/support/loopback.h"

namespace porthole::bench {
namespace {

std::string UpgradeRequest(const std::string& target) {
  return "GET " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\n"
         "Sec-WebSocket-Protocol: binary\r\n\r\n";
}

// FIN + binary opcode, then the masked length in 7, 7+16 or 7+64 bits.
void AppendFrameHeader(size_t length, std::string& frame) {
  frame.push_back(static_cast<char>(0x82));
  if (length < 126) {
    frame.push_back(static_cast<char>(0x80 | length));
  } else if (length < 65536) {
    frame.push_back(static_cast<char>(0x80 | 126));
    frame.push_back(static_cast<char>(length >> 8));
    frame.push_back(static_cast<char>(length & 0xff));
  } else {
    frame.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((uint64_t{length} >> shift) & 0xff));
    }
  }
}

}  // namespace

ClientConnection::~ClientConnection() {
  if (fd_ >= 0) close(fd_);
}

bool ClientConnection::Open(int port, bool websocket,
                            const std::string& target) {
  websocket_ = websocket;
  fd_ = testing::ConnectLoopback(port);
  if (fd_ < 0) return false;
  if (!websocket) return true;
  const std::string request = UpgradeRequest(target);
  if (!SendAll(fd_, request.data(), request.size())) return false;
  std::string head;
  char c;
  while (head.size() < 8192 && recv(fd_, &c, 1, 0) == 1) {
    head.push_back(c);
    if (head.ends_with("\r\n\r\n")) break;
  }
  return head.starts_with("HTTP/1.1 101");
}

std::string ClientConnection::Prepare(std::string_view payload) const {
  if (!websocket_) return std::string(payload);
  std::string frame;
  AppendFrameHeader(payload.size(), frame);
  const char key[4] = {0x37, 0x5a, 0x11, 0x6c};
  frame.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  }
  return frame;
}

bool ClientConnection::Send(const std::string& prepared) {
  return SendAll(fd_, prepared.data(), prepared.size());
}

bool ClientConnection::Receive(uint64_t n) {
  while (n > 0) {
    if (!websocket_) {
      ssize_t r = recv(fd_, in_.data(), std::min<uint64_t>(n, in_.size()), 0);
      if (r <= 0) return false;
      n -= static_cast<uint64_t>(r);
      continue;
    }
    if (frame_left_ == 0) {
      if (!ReadHeader()) return false;
      continue;
    }
    if (have_ == 0 && !Fill()) return false;
    uint64_t take = std::min<uint64_t>({n, frame_left_, have_});
    Consume(take);
    frame_left_ -= take;
    if (!control_) n -= take;
  }
  return true;
}

bool ClientConnection::Fill() {
  if (start_ > 0 && have_ > 0) {
    std::memmove(in_.data(), in_.data() + start_, have_);
  }
  start_ = 0;
  ssize_t r = recv(fd_, in_.data() + have_, in_.size() - have_, 0);
  if (r <= 0) return false;
  have_ += static_cast<size_t>(r);
  return true;
}

void ClientConnection::Consume(uint64_t n) {
  start_ += n;
  have_ -= n;
  if (have_ == 0) start_ = 0;
}

bool ClientConnection::Need(size_t n) {
  while (have_ < n) {
    if (!Fill()) return false;
  }
  return true;
}

bool ClientConnection::ReadHeader() {
  if (!Need(2)) return false;
  const uint8_t* p = reinterpret_cast<uint8_t*>(in_.data() + start_);
  int opcode = p[0] & 0x0f;
  uint64_t length = p[1] & 0x7f;
  size_t header = 2;
  if (length == 126) header = 4;
  if (length == 127) header = 10;
  if (!Need(header)) return false;
  p = reinterpret_cast<uint8_t*>(in_.data() + start_);  // Fill may move it
  if (header == 4) length = (p[2] << 8) | p[3];
  if (header == 10) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
  }
  Consume(header);
  if (opcode == 8) return false;  // close
  control_ = opcode >= 8;
  if (opcode == 9) {    // ping: answer with an empty pong, skip its payload
    Send(Prepare(""));  // a zero-length binary frame is harmless here
  }
  frame_left_ = length;
  return true;
}

}  // namespace porthole::bench
