#ifndef PORTHOLE_TESTS_SUPPORT_QEMU_VNC_GUEST_H_
#define PORTHOLE_TESTS_SUPPORT_QEMU_VNC_GUEST_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace porthole::testing {

// The QEMU command line every test guest starts from: a PC with SeaBIOS,
// no disk, standard VGA, gone on reboot (QemuVncGuest, QemuSpiceGuest).
std::vector<std::string> QemuGuestCommand();

// A real QEMU guest (SeaBIOS, no disk) behind a VNC server with no password
// on 127.0.0.1, for tests that need a real screen. Parallel test processes
// probe the same displays: a QEMU that lost the race for its port exits and
// the next display is tried. The destructor kills QEMU by PID and reaps it.
class QemuVncGuest {
 public:
  // A guest on the first free display in [first_display, 100), or nullptr
  // when none came up within 10 s per try. `extra_args` go on QEMU's command
  // line (e.g. `-object tls-creds-x509,id=tls0,...`) and `vnc_options` after
  // the VNC display (e.g. ",tls-creds=tls0,password=on").
  static std::unique_ptr<QemuVncGuest> Start(
      int first_display, const std::vector<std::string>& extra_args = {},
      const std::string& vnc_options = "");
  // The same guest with QEMU's human monitor on a raw TCP chardev bound to
  // 127.0.0.1 on a free port (`serial_port()`), exactly what a libvirt
  // `<serial type='tcp'><source mode='bind'>` console is on the wire, but
  // answering without a guest OS: it greets with "QEMU <version> monitor"
  // and `info version` + Enter prints the version.
  static std::unique_ptr<QemuVncGuest> StartWithSerialMonitor(
      int first_display);

  QemuVncGuest(const QemuVncGuest&) = delete;
  QemuVncGuest& operator=(const QemuVncGuest&) = delete;

  int vnc_port() const { return vnc_port_; }
  // 0 unless started WithSerialMonitor.
  int serial_port() const { return serial_port_; }

 private:
  QemuVncGuest(std::unique_ptr<ChildProcess> qemu, int vnc_port,
               int serial_port)
      : qemu_(std::move(qemu)),
        vnc_port_(vnc_port),
        serial_port_(serial_port) {}
  // Start, plus the monitor chardev on `serial_port` when it is not 0.
  static std::unique_ptr<QemuVncGuest> Launch(
      int first_display, const std::vector<std::string>& extra_args,
      const std::string& vnc_options, int serial_port);

  std::unique_ptr<ChildProcess> qemu_;
  int vnc_port_;
  int serial_port_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_QEMU_VNC_GUEST_H_
