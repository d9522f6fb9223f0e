#ifndef PORTHOLE_TESTS_AGENT_LIBVIRT_TEST_DOMAINS_H_
#define PORTHOLE_TESTS_AGENT_LIBVIRT_TEST_DOMAINS_H_

// Helpers shared by the LibvirtHost tests: domain XML, unique UUIDs and a
// connection of the test's own, through which the tests change domains
// behind the host's back (as Nova would).

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

namespace porthole::agent::testing {

inline constexpr char kNovaNamespace[] =
    "http://openstack.org/xmlns/libvirt/nova/1.1";

// A UUID no other test (or earlier run) uses: test:///default is shared by
// the whole process, and a test+unix daemon by every process.
inline std::string UniqueUuid() {
  static std::atomic<unsigned> counter{0};
  static const unsigned seed = std::random_device{}();
  char buf[40];
  std::snprintf(
      buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", seed,
      counter.fetch_add(1) & 0xffff, 0x123, 0x456,
      static_cast<unsigned long long>(
          std::chrono::steady_clock::now().time_since_epoch().count()) &
          0xffffffffffffULL);
  return buf;
}

// A test-driver domain with Nova metadata and a VNC display on 127.0.0.1.
inline std::string TestDomainXml(const std::string& name,
                                 const std::string& uuid,
                                 const std::string& display_name,
                                 int vnc_port = 5907) {
  return "<domain type='test'><name>" + name + "</name><uuid>" + uuid +
         "</uuid><metadata><nova:instance xmlns:nova='" + kNovaNamespace +
         "'><nova:name>" + display_name +
         "</nova:name></nova:instance></metadata>"
         "<memory unit='KiB'>65536</memory><vcpu>1</vcpu>"
         "<os><type arch='i686'>hvm</type></os><devices>"
         "<graphics type='vnc' port='" +
         std::to_string(vnc_port) +
         "' autoport='no' listen='127.0.0.1'/></devices></domain>";
}

inline std::string LastLibvirtError() {
  virErrorPtr e = virGetLastError();
  return e != nullptr && e->message != nullptr ? e->message : "(none)";
}

// The test's own read-write connection; closed at scope exit.
class TestConnection {
 public:
  explicit TestConnection(const std::string& uri)
      : conn_(virConnectOpen(uri.c_str())) {}
  ~TestConnection() {
    if (conn_ != nullptr) virConnectClose(conn_);
  }
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;
  virConnectPtr get() const { return conn_; }

  // Destroys (if running) and undefines (if persistent) a domain, ignoring
  // "no such domain": test cleanup.
  void Remove(const std::string& uuid) {
    if (conn_ == nullptr) return;
    virDomainPtr dom = virDomainLookupByUUIDString(conn_, uuid.c_str());
    if (dom == nullptr) return;
    if (virDomainIsActive(dom) == 1) virDomainDestroy(dom);
    if (virDomainIsPersistent(dom) == 1) virDomainUndefine(dom);
    virDomainFree(dom);
  }

 private:
  virConnectPtr conn_;
};

// Destroys and undefines a domain at scope exit, even when the test failed.
class DomainCleanup {
 public:
  DomainCleanup(TestConnection& conn, std::string uuid)
      : conn_(conn), uuid_(std::move(uuid)) {}
  ~DomainCleanup() { conn_.Remove(uuid_); }
  DomainCleanup(const DomainCleanup&) = delete;
  DomainCleanup& operator=(const DomainCleanup&) = delete;

 private:
  TestConnection& conn_;
  std::string uuid_;
};

}  // namespace porthole::agent::testing

#endif  // PORTHOLE_TESTS_AGENT_LIBVIRT_TEST_DOMAINS_H_
