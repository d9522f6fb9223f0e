#include "tests/support/tcp_echo_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "tests/support/loopback.h"

namespace porthole::testing {

TcpEchoServer::TcpEchoServer(std::string greeting)
    : greeting_(std::move(greeting)) {
  listen_fd_ = ListenLoopback(64, &port_);
  if (pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { Run(); });
}

TcpEchoServer::~TcpEchoServer() {
  char c = 'x';
  [[maybe_unused]] ssize_t n = write(wake_[1], &c, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
}

void TcpEchoServer::Run() {
  std::vector<int> conns;
  for (;;) {
    int fresh = -1;
    std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (int fd : conns) fds.push_back({fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        ++accepted_;
        if (!greeting_.empty()) {
          [[maybe_unused]] ssize_t n =
              send(fd, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
        }
        fresh = fd;
      }
    }
    std::vector<int> alive;
    for (size_t i = 2; i < fds.size(); ++i) {
      int fd = fds[i].fd;
      if (fds[i].revents == 0) {
        alive.push_back(fd);
        continue;
      }
      char buffer[65536];
      ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        close(fd);
        ++ended_;
        continue;
      }
      bytes_ += static_cast<uint64_t>(n);
      ssize_t off = 0;
      while (off < n) {
        ssize_t w =
            send(fd, buffer + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) break;
        off += w;
      }
      alive.push_back(fd);
    }
    if (fresh >= 0) alive.push_back(fresh);
    conns = std::move(alive);
  }
  for (int fd : conns) close(fd);
}

}  // namespace porthole::testing
