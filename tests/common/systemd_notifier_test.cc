#include "common/systemd_notifier.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/child_process.h"
#include "tests/support/notify_socket.h"

namespace porthole {
namespace {

using testing::NotifySocket;

TEST(SystemdNotifier, SendsStatesToNotifySocket) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/notify";
  NotifySocket sock(path);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  SystemdNotifier notifier;
  notifier.Ready("serving");
  EXPECT_EQ(sock.Next(), "READY=1\nSTATUS=serving");
  notifier.Watchdog();
  EXPECT_EQ(sock.Next(), "WATCHDOG=1");
  notifier.Reloading();
  EXPECT_EQ(sock.Next(), "RELOADING=1");
  notifier.Stopping();
  EXPECT_EQ(sock.Next(), "STOPPING=1");
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
