#include "tests/support/qemu_vnc_guest.h"

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/loopback.h"

namespace porthole::testing {

std::unique_ptr<QemuVncGuest> QemuVncGuest::Start(int first_display) {
  using std::chrono::milliseconds;
  for (int display = first_display; display < 100; ++display) {
    const int port = 5900 + display;
    if (!PortIsFree(port)) continue;
    auto qemu = std::make_unique<ChildProcess>(
        std::vector<std::string>{"qemu-system-x86_64", "-display",
                                 "vnc=127.0.0.1:" + std::to_string(display),
                                 "-nodefaults", "-machine", "pc", "-m", "64",
                                 "-vga", "std", "-no-reboot"},
        std::vector<std::string>{}, "/dev/null");
    bool up = WaitFor(
        [&] {
          return !qemu->running() ||
                 WaitForTcpPort("127.0.0.1", port, milliseconds(0));
        },
        std::chrono::seconds(10));
    // A loser may see the winner's port before it fails to bind its own.
    std::this_thread::sleep_for(milliseconds(300));
    if (up && qemu->running()) {
      return std::unique_ptr<QemuVncGuest>(
          new QemuVncGuest(std::move(qemu), port));
    }
  }
  return nullptr;
}

}  // namespace porthole::testing
