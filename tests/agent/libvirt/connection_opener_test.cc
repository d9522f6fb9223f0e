// ConnectionOpener against the in-process test driver, and against a "hung
// daemon": a Unix socket that accepts connections and never answers, which
// is what a stopped libvirtd looks like to virConnectOpen.

#include "agent/libvirt/connection_opener.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/libvirt/libvirt_error.h"
#include "agent/libvirt/libvirt_event_loop.h"
#include "tests/support/child_process.h"

namespace porthole::agent {
namespace {

using ::porthole::testing::TempDir;
using ::porthole::testing::WaitFor;
using namespace std::chrono_literals;

// A listening Unix socket that accepts and never says a word.
class SilentSocket {
 public:
  explicit SilentSocket(std::string path) : path_(std::move(path)) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
             listen(fd_, 16) == 0;
  }
  ~SilentSocket() { Close(); }
  SilentSocket(const SilentSocket&) = delete;
  SilentSocket& operator=(const SilentSocket&) = delete;

  bool bound() const { return bound_; }
  // Connections made so far (accepted and held open, unanswered).
  int Connections() {
    for (;;) {
      const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) break;
      clients_.push_back(client);
    }
    return static_cast<int>(clients_.size());
  }
  // Hangs up on everyone: a blocked virConnectOpen then fails.
  void Close() {
    Connections();
    for (int client : clients_) close(client);
    clients_.clear();
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
  std::vector<int> clients_;
};

class ConnectionOpenerTest : public ::testing::Test {
 protected:
  // As in production: libvirt initialised and its event loop running, and
  // SIGPIPE ignored (common/signal_waiter.h), so an abandoned attempt that
  // writes to a daemon that hung up gets EPIPE, not the process killed.
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    loop_ = LibvirtEventLoop::Acquire();
  }
  void TearDown() override {
    silent_.Close();
    // Let abandoned attempts see the hang-up before the loop goes.
    std::this_thread::sleep_for(100ms);
    loop_.reset();
  }

  std::string SilentUri() const {
    return "test+unix:///default?socket=" + dir_.path() + "/silent.sock";
  }

  TempDir dir_;
  SilentSocket silent_{dir_.path() + "/silent.sock"};
  std::shared_ptr<LibvirtEventLoop> loop_;
};

TEST_F(ConnectionOpenerTest, Open_TestDriver_ReturnsLiveConnection) {
  ConnectionOpener opener("test:///default", /*read_only=*/true);
  absl::StatusOr<ConnectHandle> conn = opener.Open(absl::Seconds(5));
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_NE(*conn, nullptr);
  EXPECT_EQ(virConnectIsAlive(conn->get()), 1);
}

TEST_F(ConnectionOpenerTest, Open_UnopenableUri_ReturnsLibvirtsError) {
  ConnectionOpener opener("test:///nonexistent/node.xml", true);
  absl::StatusOr<ConnectHandle> conn = opener.Open(absl::Seconds(5));
  ASSERT_FALSE(conn.ok());
  EXPECT_NE(LibvirtErrorCode(conn.status()), VIR_ERR_OK) << conn.status();
  EXPECT_NE(conn.status().message().find("nonexistent"),
            absl::string_view::npos)
      << conn.status();
}

TEST_F(ConnectionOpenerTest,
       Open_SilentDaemon_TimesOutAndRetriesTheSameAttempt) {
  ASSERT_TRUE(silent_.bound());
  ConnectionOpener opener(SilentUri(), true);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ConnectHandle> first = opener.Open(absl::Milliseconds(200));
  EXPECT_EQ(first.status().code(), absl::StatusCode::kDeadlineExceeded)
      << first.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_TRUE(WaitFor([&] { return silent_.Connections() == 1; }, 5s));

  absl::StatusOr<ConnectHandle> second = opener.Open(absl::Milliseconds(200));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kDeadlineExceeded);
  // Still the one attempt: no pile of threads blocked on the same daemon.
  EXPECT_EQ(silent_.Connections(), 1);
}

TEST_F(ConnectionOpenerTest, Cancel_WakesAWaitingOpenAndRefusesLaterOnes) {
  ASSERT_TRUE(silent_.bound());
  ConnectionOpener opener(SilentUri(), true);
  absl::Status waited;
  std::thread waiter([&] { waited = opener.Open(absl::Seconds(60)).status(); });
  ASSERT_TRUE(WaitFor([&] { return silent_.Connections() == 1; }, 5s));
  const auto start = std::chrono::steady_clock::now();
  opener.Cancel();
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(waited.code(), absl::StatusCode::kCancelled) << waited;
  EXPECT_EQ(opener.Open(absl::Seconds(5)).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(silent_.Connections(), 1);
}

}  // namespace
}  // namespace porthole::agent
