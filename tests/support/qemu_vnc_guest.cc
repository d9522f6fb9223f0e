#include "tests/support/qemu_vnc_guest.h"

#include <chrono>
#include <string>

#include "tests/support/loopback.h"

namespace porthole::testing {
std::vector<std::string> QemuGuestCommand() {
  return {"qemu-system-x86_64",
          "-nodefaults",
          "-machine",
          "pc",
          "-m",
          "64",
          "-vga",
          "std",
          "-no-reboot"};
}

std::unique_ptr<QemuVncGuest> QemuVncGuest::Start(
    int first_display, const std::vector<std::string>& extra_args,
    const std::string& vnc_options) {
  for (int display = first_display; display < 100; ++display) {
    const int port = 5900 + display;
    if (!PortIsFree(port)) continue;
    std::vector<std::string> argv = QemuGuestCommand();
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    argv.push_back("-display");
    argv.push_back("vnc=127.0.0.1:" + std::to_string(display) + vnc_options);
    auto qemu = std::make_unique<ChildProcess>(
        std::move(argv), std::vector<std::string>{}, "/dev/null");
    const bool up = WaitFor(
        [&] {
          return !qemu->running() ||
                 ProcessListensOnLoopback(qemu->pid(), port);
        },
        std::chrono::seconds(10));
    if (up && qemu->running()) {
      return std::unique_ptr<QemuVncGuest>(
          new QemuVncGuest(std::move(qemu), port));
    }
  }
  return nullptr;
}

}  // namespace porthole::testing
