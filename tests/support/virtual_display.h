#ifndef PORTHOLE_TESTS_SUPPORT_VIRTUAL_DISPLAY_H_
#define PORTHOLE_TESTS_SUPPORT_VIRTUAL_DISPLAY_H_

#include <string>

#include "tests/support/child_process.h"

namespace porthole::testing {

// An X server of the test's own for native viewers: Xvfb on a display it
// picks (-displayfd), 1024x768 at 24 bits, black root, no TCP. The
// constructor waits up to 20 s for the display; name() is empty when Xvfb
// did not come up (its log is `dir`/xvfb.log). The destructor kills Xvfb by
// PID. Not thread-safe.
class VirtualDisplay {
 public:
  explicit VirtualDisplay(const std::string& dir);

  // ":N", the value for a viewer's DISPLAY.
  const std::string& name() const { return display_; }

  // Pixels of the display in VGA's light gray (the colour of SeaBIOS's
  // text), or -1 when the dump failed. Dumps the root window with xwd into
  // `dir`/screen.xwd.
  int GrayPixels(const std::string& dir) const;

 private:
  ChildProcess xvfb_;
  std::string display_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_VIRTUAL_DISPLAY_H_
