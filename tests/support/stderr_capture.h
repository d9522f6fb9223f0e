#ifndef PORTHOLE_TESTS_SUPPORT_STDERR_CAPTURE_H_
#define PORTHOLE_TESTS_SUPPORT_STDERR_CAPTURE_H_

#include <string>

namespace porthole::testing {

// Sends this process's stderr (fd 2, where the one logger writes) to an
// anonymous temporary file while alive, so a test can assert on what was
// logged; the destructor restores the previous stderr. Everything any
// thread writes to fd 2 meanwhile is captured. One capture at a time; not
// thread-safe.
class StderrCapture {
 public:
  StderrCapture();
  ~StderrCapture();
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  // Everything written to stderr since construction.
  std::string Read() const;

 private:
  int file_ = -1;   // the capture file
  int saved_ = -1;  // the stderr to restore
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_STDERR_CAPTURE_H_
