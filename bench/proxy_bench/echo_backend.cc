#include "bench/proxy_bench/echo_backend.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/loopback.h"

namespace porthole::bench {
namespace {

void SendDownstream(BackendStream& s, uint64_t count,
                    std::vector<char>& buffer) {
  while (count > 0) {
    size_t n = std::min<uint64_t>(count, kMessageBytes);
    if (!s.WriteAll(buffer.data(), n)) break;
    count -= n;
  }
}

void ReceiveUpstream(BackendStream& s, uint64_t count,
                     std::vector<char>& buffer) {
  while (count > 0) {
    ssize_t r =
        s.ReadSome(buffer.data(), std::min<uint64_t>(count, buffer.size()));
    if (r <= 0) break;
    count -= static_cast<uint64_t>(r);
  }
  s.WriteAll("K", 1);
}

void Echo(BackendStream& s, std::vector<char>& buffer) {
  for (;;) {
    ssize_t r = s.ReadSome(buffer.data(), buffer.size());
    if (r <= 0 || !s.WriteAll(buffer.data(), static_cast<size_t>(r))) {
      break;
    }
  }
}

void Serve(const BackendSecurityContext& security, int fd) {
  std::unique_ptr<BackendStream> s = security.Secure(fd);
  if (s == nullptr) return;
  std::vector<char> buffer(256 * 1024, 'v');
  char command = 0;
  uint64_t count = 0;
  if (s->ReadAll(&command, 1)) {
    if (command == 'D' && s->ReadAll(reinterpret_cast<char*>(&count), 8)) {
      SendDownstream(*s, count, buffer);
      s->ReadAll(buffer.data(), 1);  // until the client closes
    } else if (command == 'U' &&
               s->ReadAll(reinterpret_cast<char*>(&count), 8)) {
      ReceiveUpstream(*s, count, buffer);
      s->ReadAll(buffer.data(), 1);
    } else if (command == 'E') {
      Echo(*s, buffer);
    }
  }
}

}  // namespace

EchoBackend::EchoBackend(std::unique_ptr<const BackendSecurityContext> security)
    : security_(std::move(security)) {
  listen_fd_ = testing::ListenLoopback(4096, &port_);
  std::thread([this] { AcceptForever(); }).detach();
}

void EchoBackend::AcceptForever() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::thread([this, fd] { Serve(*security_, fd); }).detach();
  }
}

std::string BackendCommand(char command, uint64_t count) {
  std::string s(1, command);
  s.append(reinterpret_cast<const char*>(&count), 8);
  return s;
}

}  // namespace porthole::bench
