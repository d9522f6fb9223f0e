#include "tests/support/qemu_vnc_guest.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/loopback.h"

namespace porthole::testing {
namespace {

// True when the socket listening on 127.0.0.1:port is one of `pid`'s: a
// QEMU that lost the race for its port to another test's QEMU may not have
// noticed yet, and the port answering tells nothing.
bool ProcessListensOn(pid_t pid, int port) {
  char local[32];
  std::snprintf(local, sizeof(local), "0100007F:%04X", port);
  std::ifstream tcp("/proc/net/tcp");
  std::string line;
  std::string inode;
  while (std::getline(tcp, line)) {
    char address[64], remote[64], state[8];
    unsigned long ino = 0;  // NOLINT(runtime/int): /proc's format
    if (std::sscanf(line.c_str(), " %*d: %63s %63s %7s %*s %*s %*s %*s %*s %lu",
                    address, remote, state, &ino) == 4 &&
        local == std::string(address) && std::string(state) == "0A") {
      inode = "socket:[" + std::to_string(ino) + "]";
    }
  }
  if (inode.empty()) return false;
  const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = opendir(fds.c_str());
  if (dir == nullptr) return false;
  bool found = false;
  while (dirent* entry = readdir(dir)) {
    char target[64];
    const std::string link = fds + "/" + entry->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof(target) - 1);
    if (n > 0 && inode == std::string(target, static_cast<size_t>(n))) {
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

}  // namespace

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
    std::vector<std::string> argv = {"qemu-system-x86_64",
                                     "-nodefaults",
                                     "-machine",
                                     "pc",
                                     "-m",
                                     "64",
                                     "-vga",
                                     "std",
                                     "-no-reboot"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    argv.push_back("-display");
    argv.push_back("vnc=127.0.0.1:" + std::to_string(display) + vnc_options);
    auto qemu = std::make_unique<ChildProcess>(
        std::move(argv), std::vector<std::string>{}, "/dev/null");
    const bool up = WaitFor(
        [&] {
          return !qemu->running() ||
                 (ProcessListensOn(qemu->pid(), port) &&
                  (serial_port == 0 ||
                   ProcessListensOn(qemu->pid(), serial_port)));
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
