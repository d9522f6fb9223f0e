#include "tests/e2e/native_viewer_check.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

namespace porthole::testing {

std::string NativeListenerConfig(const TestPki& pki, int port,
                                 const std::string& more) {
  return "[DEFAULT]\ncert = " + pki.cert("proxy") +
         "\nkey = " + pki.key("proxy") +
         "\n[native]\nlisten = 127.0.0.1:" + std::to_string(port) + "\n" + more;
}

void ExpectViewerShowsTheGuestOnce(const ControllerStack& stack,
                                   VirtualDisplay& display,
                                   const std::string& dir,
                                   const std::string& credential,
                                   const StartViewerFn& start) {
  EXPECT_EQ(display.GrayPixels(dir), 0);  // nothing on the screen yet
  auto viewer = start(dir + "/viewer.log");
  int gray = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        gray = display.GrayPixels(dir);
        return gray > 500;
      },
      std::chrono::seconds(30)))
      << "gray pixels: " << gray << "\n"
      << ReadFile(dir + "/viewer.log") << stack.ControllerLog();
  std::cout << "SeaBIOS text pixels on the viewer's screen: " << gray << "\n";
  EXPECT_TRUE(viewer->running()) << ReadFile(dir + "/viewer.log");

  // The same credential again: Porthole refuses it (the viewer shows the
  // reason in a dialog and waits there; the controller logs it).
  auto again = start(dir + "/again.log");
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find("reason=token-used") !=
               std::string::npos;
      },
      std::chrono::seconds(20)))
      << ReadFile(dir + "/again.log") << stack.ControllerLog();
  EXPECT_EQ(stack.ControllerLog().find(credential), std::string::npos);
}

}  // namespace porthole::testing
