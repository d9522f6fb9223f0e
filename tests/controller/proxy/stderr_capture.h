#ifndef PORTHOLE_TESTS_CONTROLLER_PROXY_STDERR_CAPTURE_H_
#define PORTHOLE_TESTS_CONTROLLER_PROXY_STDERR_CAPTURE_H_

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "tests/support/child_process.h"

namespace porthole::testing {

// Sends this process's stderr (where the one logger writes) to a file while
// alive, so a test can assert on log lines. Not thread-safe against other
// captures; restore happens in the destructor.
class StderrCapture {
 public:
  explicit StderrCapture(std::string path) : path_(std::move(path)) {
    saved_ = dup(STDERR_FILENO);
    int fd =
        open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;
  std::string Read() const { return ReadFile(path_); }

 private:
  std::string path_;
  int saved_ = -1;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_CONTROLLER_PROXY_STDERR_CAPTURE_H_
