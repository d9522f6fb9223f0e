// What the native-viewer end-to-end tests (TigerVNC, remote-viewer) share:
// the controller's configuration for the native listener, and the one check
// they make with a real viewer on a virtual display.
#ifndef PORTHOLE_TESTS_E2E_NATIVE_VIEWER_CHECK_H_
#define PORTHOLE_TESTS_E2E_NATIVE_VIEWER_CHECK_H_

#include <functional>
#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/test_pki.h"
#include "tests/support/virtual_display.h"

namespace porthole::testing {

// [DEFAULT] cert/key from `pki`'s "proxy" identity and the native listener
// on 127.0.0.1:`port`, then `more` (more sections).
std::string NativeListenerConfig(const TestPki& pki, int port,
                                 const std::string& more);

// A viewer with the credential, its output in `log`.
using StartViewerFn =
    std::function<std::unique_ptr<ChildProcess>(const std::string& log)>;

// The guest's SeaBIOS text appears on `display` once a viewer runs (more
// than 500 VGA-gray pixels within 30 s; none before), and the viewer keeps
// running; a second viewer with the same credential is refused (the
// controller logs token-used within 20 s); the credential never appears in
// the controller's log.
void ExpectViewerShowsTheGuestOnce(const ControllerStack& stack,
                                   VirtualDisplay& display,
                                   const std::string& dir,
                                   const std::string& credential,
                                   const StartViewerFn& start);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_E2E_NATIVE_VIEWER_CHECK_H_
