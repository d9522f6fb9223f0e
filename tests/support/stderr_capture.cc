#include "tests/support/stderr_capture.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace porthole::testing {

StderrCapture::StderrCapture() {
  const char* base = std::getenv("TMPDIR");
  std::string path =
      std::string(base != nullptr ? base : "/tmp") + "/porthole-stderr-XXXXXX";
  file_ = mkostemp(path.data(), O_CLOEXEC);
  if (file_ < 0) throw std::runtime_error("cannot create " + path);
  // Nameless from now on: a crashed test leaves no file behind.
  unlink(path.c_str());
  std::fflush(stderr);  // what was buffered before belongs to the old stderr
  saved_ = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  dup2(file_, STDERR_FILENO);
}

StderrCapture::~StderrCapture() {
  std::fflush(stderr);
  if (saved_ >= 0) {
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }
  close(file_);
}

std::string StderrCapture::Read() const {
  std::fflush(stderr);
  std::string text;
  char buffer[4096];
  off_t offset = 0;
  for (;;) {
    const ssize_t n = pread(file_, buffer, sizeof buffer, offset);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return text;
}

}  // namespace porthole::testing
