#ifndef PORTHOLE_TESTS_SUPPORT_NOTIFY_SOCKET_H_
#define PORTHOLE_TESTS_SUPPORT_NOTIFY_SOCKET_H_

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

namespace porthole::testing {

// Stands in for systemd's notify socket: a daemon started with
// NOTIFY_SOCKET=path() sends its sd_notify datagrams here.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { close(fd_); }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  // The next datagram, "" after 10 s without one.
  std::string Next() {
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // The next datagram that is not a watchdog ping; counts the pings.
  std::string NextState() {
    for (;;) {
      std::string s = Next();
      if (s != "WATCHDOG=1") return s;
      ++watchdog_pings_;
    }
  }
  int watchdog_pings() const { return watchdog_pings_; }

 private:
  std::string path_;
  int fd_ = -1;
  int watchdog_pings_ = 0;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_NOTIFY_SOCKET_H_
