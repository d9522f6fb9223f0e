#include "common/systemd_notifier.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>

#include "tests/support/child_process.h"

namespace porthole {
namespace {

// A NOTIFY_SOCKET the test binds, standing in for systemd.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    timeval tv{2, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() { close(fd_); }
  std::string Receive() {
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_ = -1;
};

TEST(SystemdNotifier, SendsStatesToNotifySocket) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/notify";
  NotifySocket sock(path);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  SystemdNotifier notifier;
  notifier.Ready("serving");
  EXPECT_EQ(sock.Receive(), "READY=1\nSTATUS=serving");
  notifier.Watchdog();
  EXPECT_EQ(sock.Receive(), "WATCHDOG=1");
  notifier.Reloading();
  EXPECT_EQ(sock.Receive(), "RELOADING=1");
  notifier.Stopping();
  EXPECT_EQ(sock.Receive(), "STOPPING=1");
  unsetenv("NOTIFY_SOCKET");
}

TEST(SystemdNotifier, WatchdogInterval_IsHalfOfWatchdogUsec) {
  setenv("WATCHDOG_USEC", "4000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), absl::Seconds(2));
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), std::nullopt);
}

}  // namespace
}  // namespace porthole
