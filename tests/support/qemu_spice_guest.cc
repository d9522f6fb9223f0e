#include "tests/support/qemu_spice_guest.h"

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/loopback.h"
#include "tests/support/qemu_vnc_guest.h"

namespace porthole::testing {

std::unique_ptr<QemuSpiceGuest> QemuSpiceGuest::Start(const Options& options) {
  constexpr int kTries = 5;
  for (int attempt = 0; attempt < kTries; ++attempt) {
    const int port = options.plain_port ? PickFreePort() : 0;
    const int tls_port = options.x509_dir.empty() ? 0 : PickFreePort();
    std::string spice = "addr=127.0.0.1,disable-ticketing=on";
    if (port != 0) spice += ",port=" + std::to_string(port);
    if (tls_port != 0) {
      spice += ",tls-port=" + std::to_string(tls_port) +
               ",x509-dir=" + options.x509_dir;
    }
    spice += options.spice_options;
    std::vector<std::string> argv = QemuGuestCommand();
    argv.insert(argv.end(), {"-display", "none", "-spice", spice});
    auto qemu = std::make_unique<ChildProcess>(
        std::move(argv), std::vector<std::string>{}, "/dev/null");
    const bool up = WaitFor(
        [&] {
          return !qemu->running() ||
                 ((port == 0 || ProcessListensOnLoopback(qemu->pid(), port)) &&
                  (tls_port == 0 ||
                   ProcessListensOnLoopback(qemu->pid(), tls_port)));
        },
        std::chrono::seconds(10));
    if (up && qemu->running()) {
      return std::unique_ptr<QemuSpiceGuest>(
          new QemuSpiceGuest(std::move(qemu), port, tls_port));
    }
  }
  return nullptr;
}

}  // namespace porthole::testing
