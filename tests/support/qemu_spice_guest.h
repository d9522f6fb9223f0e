#ifndef PORTHOLE_TESTS_SUPPORT_QEMU_SPICE_GUEST_H_
#define PORTHOLE_TESTS_SUPPORT_QEMU_SPICE_GUEST_H_

#include <memory>
#include <string>

#include "tests/support/child_process.h"

namespace porthole::testing {

// A real QEMU guest (SeaBIOS, no disk) behind a SPICE server on 127.0.0.1
// without a ticket, on free ports: a plain port, a TLS port, or both. The
// destructor kills QEMU by PID and reaps it.
class QemuSpiceGuest {
 public:
  struct Options {
    bool plain_port = true;
    // A TLS port with QEMU's x509-dir (ca-cert.pem, server-cert.pem,
    // server-key.pem: a TestPki directory with a "server" identity).
    std::string x509_dir;
    // More -spice options, e.g. ",tls-channel=main" or
    // ",tls-channel=default" (libvirt's defaultMode='secure').
    std::string spice_options;
  };

  // The guest, or nullptr when QEMU did not come up on free ports within
  // 10 s per try (a few tries: parallel tests race for ports).
  static std::unique_ptr<QemuSpiceGuest> Start(const Options& options);

  QemuSpiceGuest(const QemuSpiceGuest&) = delete;
  QemuSpiceGuest& operator=(const QemuSpiceGuest&) = delete;

  int port() const { return port_; }          // 0: none
  int tls_port() const { return tls_port_; }  // 0: none

 private:
  QemuSpiceGuest(std::unique_ptr<ChildProcess> qemu, int port, int tls_port)
      : qemu_(std::move(qemu)), port_(port), tls_port_(tls_port) {}

  std::unique_ptr<ChildProcess> qemu_;
  int port_;
  int tls_port_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_QEMU_SPICE_GUEST_H_
