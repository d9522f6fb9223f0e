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
  return Launch(first_display, extra_args, vnc_options, 0);
}

std::unique_ptr<QemuVncGuest> QemuVncGuest::StartWithSerialMonitor(
    int first_display) {
  // Another process may take the free port first; then QEMU exits and a
  // fresh port is tried.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int serial_port = PickFreePort();
    const std::vector<std::string> monitor = {
        "-chardev",
        "socket,id=s0,host=127.0.0.1,port=" + std::to_string(serial_port) +
            ",server=on,wait=off",
        "-mon", "chardev=s0,mode=readline"};
    if (auto guest = Launch(first_display, monitor, "", serial_port)) {
      return guest;
    }
  }
  return nullptr;
}

std::unique_ptr<QemuVncGuest> QemuVncGuest::Launch(
    int first_display, const std::vector<std::string>& extra_args,
    const std::string& vnc_options, int serial_port) {
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
                 (ProcessListensOnLoopback(qemu->pid(), port) &&
                  (serial_port == 0 ||
                   ProcessListensOnLoopback(qemu->pid(), serial_port)));
        },
        std::chrono::seconds(10));
    if (up && qemu->running()) {
      return std::unique_ptr<QemuVncGuest>(
          new QemuVncGuest(std::move(qemu), port, serial_port));
    }
    // The serial port is the caller's pick: lost to another process, it
    // will not come free on the next display.
    if (serial_port != 0) return nullptr;
  }
  return nullptr;
}

}  // namespace porthole::testing
