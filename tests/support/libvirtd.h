#ifndef PORTHOLE_TESTS_SUPPORT_LIBVIRTD_H_
#define PORTHOLE_TESTS_SUPPORT_LIBVIRTD_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "tests/support/child_process.h"

namespace porthole::testing {

// A private libvirtd for one test: run as `nobody` (tests run as root) in a
// session of its own under a temporary directory, so it shares nothing with
// any system daemon (see shared/TESTING.md). It serves the test driver
// (test_uri(): one host shared by every connection) and real QEMU guests
// (qemu_uri()). The destructor kills the daemon and any QEMU it left running,
// by PID, even when the test failed halfway. Not thread-safe.
class Libvirtd {
 public:
  // `extra_qemu_conf` is appended to the daemon's qemu.conf (lines such as
  // "vnc_tls = 1\n"): the settings a deployment tool would write.
  explicit Libvirtd(const std::string& extra_qemu_conf = "");
  ~Libvirtd();
  Libvirtd(const Libvirtd&) = delete;
  Libvirtd& operator=(const Libvirtd&) = delete;

  // Hands a tree the test made (certificates for qemu.conf, say) to the
  // user the daemon and its guests run as.
  static void ShareWithDaemon(const std::string& path);

  // Start() then runs the daemon inside the network namespace `name`
  // (`ip netns exec`), so its guests' consoles listen on that namespace's
  // addresses. The socket is a file: callers outside still connect.
  void set_netns(std::string name) { netns_ = std::move(name); }

  // Starts the daemon and waits until its socket accepts connections.
  // False (with the reason in ReadLog()) when it did not come up in time.
  // The daemon gets SIGKILL when the calling thread exits (so that a killed
  // test leaves no daemon behind): call it from the test's main thread.
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM, then SIGKILL after `grace`. Guests keep running.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Stop() and Start() again in the same directories.
  bool Restart(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGSTOP / SIGCONT: a hung daemon whose socket still accepts connections.
  void Pause();
  void Resume();
  bool running();
  pid_t pid() const;

  const std::string& dir() const { return dir_.path(); }
  std::string socket_path() const;
  // test+unix:///default?socket=...: the daemon's shared test-driver host.
  std::string test_uri() const;
  // qemu+unix:///session?socket=...: real QEMU guests, run as nobody.
  std::string qemu_uri() const;
  // QEMU guests' autoport (VNC, SPICE) ports are taken from a range of this
  // daemon's own that starts here (16 ports).
  int vnc_port_min() const { return vnc_port_min_; }
  // Starts a transient QEMU guest from `domain_xml` (virsh create, as
  // Nova's driver would), retried when libvirt's probed autoport was taken
  // before QEMU bound it. False with virsh's output in `*error`.
  bool CreateGuest(const std::string& domain_xml, std::string* error);
  // virsh destroy `name`: the guest stops at once (a transient one is gone).
  bool DestroyGuest(const std::string& name, std::string* error);
  // virsh dumpxml `name` (the live XML, with the autoport filled in).
  std::string GuestXml(const std::string& name);
  // The daemon's stdout and stderr, over every Start().
  std::string ReadLog() const;

 private:
  void KillGuests();

  TempDir dir_;
  std::string netns_;
  int guests_ = 0;
  int vnc_port_min_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// True when a connect(2) to the UNIX socket at `path` succeeds.
bool CanConnectUnix(const std::string& path);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_LIBVIRTD_H_
