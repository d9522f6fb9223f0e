#include "tests/support/headless_browser.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "tests/support/child_process.h"

namespace porthole::testing {
namespace {

// Chromium outlives a SIGKILLed node; find its processes by the profile
// directory, and kill them by PID.
void KillProcessesUsing(const std::string& profile) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/cmdline");
    std::stringstream cmdline;
    cmdline << in.rdbuf();
    if (cmdline.str().find(profile) != std::string::npos) kill(pid, SIGKILL);
  }
  closedir(proc);
}

}  // namespace

std::pair<int, std::string> RunBrowserScript(const std::string& script,
                                             const std::string& url,
                                             const std::string& expectation,
                                             const std::string& dir) {
  const std::string profile = dir + "/chromium-" + expectation;
  const std::string log = dir + "/node-" + expectation + ".log";
  int status = -1;
  {
    ChildProcess node({"node", SourceDir() + "/tests/e2e/" + script, url,
                       expectation, profile, "20000"},
                      {}, log);
    std::optional<int> waited = node.Wait(std::chrono::seconds(40));
    if (waited && WIFEXITED(*waited)) status = WEXITSTATUS(*waited);
  }
  KillProcessesUsing(profile);
  return {status, ReadFile(log)};
}

}  // namespace porthole::testing
