#ifndef PORTHOLE_TESTS_SUPPORT_CHILD_PROCESS_H_
#define PORTHOLE_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace porthole::testing {

// A process a test starts and owns. The destructor SIGKILLs it (if still
// running) and reaps it, so a failing test never leaves a server behind.
// The child has this process's environment plus `extra_env` ("NAME=value"),
// whose entries replace inherited variables of the same names.
// stdout and stderr go to `log_path` (appended), or are inherited when empty;
// with `stderr_path`, stderr goes there instead (for a child whose stdout is
// a document, such as `porthole-agent --dump`).
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv,
               std::vector<std::string> extra_env = {},
               std::string log_path = "", std::string stderr_path = "");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void Signal(int sig);
  // Waits for exit; returns the wait status, or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after `grace`. Returns the wait status.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

// Runs `argv` to completion (killed after `timeout`) and returns its exit
// code, or -1 when it did not exit normally; its stdout and stderr together
// go to `*output` when given.
int RunCommand(const std::vector<std::string>& argv,
               std::string* output = nullptr,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();
// Polls until a TCP connect to host:port succeeds.
bool WaitForTcpPort(const std::string& host, int port,
                    std::chrono::milliseconds timeout);
// Polls until `predicate` is true; returns its last value.
template <typename Predicate>
bool WaitFor(Predicate predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}
// A fresh directory under $TMPDIR, removed by the returned guard.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFile(const std::string& path);
// Number of open file descriptors of this process.
int CountOpenFds();
// The source tree (set at build time).
std::string SourceDir();
// The daemons the process tests run: the build tree's, or the ones in
// $PORTHOLE_DAEMON_DIR when it is set (CI points it at the binaries unpacked
// from the .deb packages, so the shipped build is the tested build).
std::string AgentBinary();
std::string ControllerBinary();

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_CHILD_PROCESS_H_
