#include "bench/proxy_bench/echo_backend.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "bench/proxy_bench/socket_io.h"
#include "tests/support/loopback.h"

namespace porthole::bench {
namespace {

void SendDownstream(int fd, uint64_t count, std::vector<char>& buffer) {
  while (count > 0) {
    size_t n = std::min<uint64_t>(count, kMessageBytes);
    if (!SendAll(fd, buffer.data(), n)) break;
    count -= n;
  }
}

void ReceiveUpstream(int fd, uint64_t count, std::vector<char>& buffer) {
  while (count > 0) {
    ssize_t r =
        recv(fd, buffer.data(), std::min<uint64_t>(count, buffer.size()), 0);
    if (r <= 0) break;
    count -= static_cast<uint64_t>(r);
  }
  SendAll(fd, "K", 1);
}

void Echo(int fd, std::vector<char>& buffer) {
  for (;;) {
    ssize_t r = recv(fd, buffer.data(), buffer.size(), 0);
    if (r <= 0 || !SendAll(fd, buffer.data(), static_cast<size_t>(r))) {
      break;
    }
  }
}

void Serve(int fd) {
  std::vector<char> buffer(256 * 1024, 'v');
  char command = 0;
  uint64_t count = 0;
  if (RecvAll(fd, &command, 1)) {
    if (command == 'D' && RecvAll(fd, reinterpret_cast<char*>(&count), 8)) {
      SendDownstream(fd, count, buffer);
      RecvAll(fd, buffer.data(), 1);  // until the client closes
    } else if (command == 'U' &&
               RecvAll(fd, reinterpret_cast<char*>(&count), 8)) {
      ReceiveUpstream(fd, count, buffer);
      RecvAll(fd, buffer.data(), 1);
    } else if (command == 'E') {
      Echo(fd, buffer);
    }
  }
  close(fd);
}

}  // namespace

EchoBackend::EchoBackend() {
  listen_fd_ = testing::ListenLoopback(4096, &port_);
  std::thread([this] { AcceptForever(); }).detach();
}

void EchoBackend::AcceptForever() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread([fd] { Serve(fd); }).detach();
  }
}

std::string BackendCommand(char command, uint64_t count) {
  std::string s(1, command);
  s.append(reinterpret_cast<const char*>(&count), 8);
  return s;
}

}  // namespace porthole::bench
