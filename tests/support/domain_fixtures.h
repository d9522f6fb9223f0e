#ifndef PORTHOLE_TESTS_SUPPORT_DOMAIN_FIXTURES_H_
#define PORTHOLE_TESTS_SUPPORT_DOMAIN_FIXTURES_H_

#include <string>

#include "tests/support/child_process.h"

namespace porthole::testing {

// The three domains of shared/spec/libvirt.md's "Worked example", each one
// <domain> element as a libvirt test-driver node file holds it: vm-vnc
// (alice: VNC on 5901 and a TCP serial console), vm-spice (bob: SPICE with a
// TLS port, a pty serial console) and vm-off (alice: shut off, VNC autoport
// not allocated). The parser tests read them one by one; the libvirt tests
// load them all through WorkedExampleNodeXml().
inline constexpr char kWorkedExampleVnc[] = R"xml(
  <domain type="test">
    <name>instance-00000001</name><uuid>11111111-1111-4111-8111-111111111111</uuid>
    <metadata><nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>vm-vnc</nova:name>
      <nova:owner><nova:user uuid="aaaaaaaa-0000-4000-8000-000000000001">alice</nova:user>
                  <nova:project uuid="bbbbbbbb-0000-4000-8000-000000000001">demo</nova:project></nova:owner>
    </nova:instance></metadata>
    <memory unit="KiB">262144</memory><vcpu>1</vcpu><os><type arch="i686">hvm</type></os>
    <devices>
      <serial type="tcp"><source mode="bind" host="127.0.0.1" service="10000"/><protocol type="raw"/><target port="0"/></serial>
      <console type="tcp"><source mode="bind" host="127.0.0.1" service="10000"/><protocol type="raw"/><target type="serial" port="0"/></console>
      <graphics type="vnc" port="5901" autoport="no" listen="127.0.0.1" keymap="en-us"><listen type="address" address="127.0.0.1"/></graphics>
    </devices>
  </domain>)xml";

inline constexpr char kWorkedExampleSpice[] = R"xml(
  <domain type="test">
    <name>instance-00000002</name><uuid>22222222-2222-4222-8222-222222222222</uuid>
    <metadata><nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>vm-spice</nova:name>
      <nova:owner><nova:user uuid="aaaaaaaa-0000-4000-8000-000000000002">bob</nova:user>
                  <nova:project uuid="bbbbbbbb-0000-4000-8000-000000000002">other</nova:project></nova:owner>
    </nova:instance></metadata>
    <memory unit="KiB">262144</memory><vcpu>1</vcpu><os><type arch="i686">hvm</type></os>
    <devices>
      <serial type="pty"><target port="0"/></serial><console type="pty"><target type="serial" port="0"/></console>
      <graphics type="spice" port="5902" tlsPort="5903" autoport="no" listen="0.0.0.0" passwd="s3cret" defaultMode="any">
        <listen type="address" address="0.0.0.0"/><channel name="main" mode="secure"/><channel name="inputs" mode="insecure"/>
      </graphics>
    </devices>
  </domain>)xml";

inline constexpr char kWorkedExampleOff[] = R"xml(
  <domain type="test">
    <name>instance-00000003</name><uuid>33333333-3333-4333-8333-333333333333</uuid>
    <metadata><nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>vm-off</nova:name>
      <nova:owner><nova:user uuid="aaaaaaaa-0000-4000-8000-000000000001">alice</nova:user>
                  <nova:project uuid="bbbbbbbb-0000-4000-8000-000000000001">demo</nova:project></nova:owner>
    </nova:instance></metadata>
    <memory unit="KiB">262144</memory><vcpu>1</vcpu><os><type arch="i686">hvm</type></os>
    <devices><graphics type="vnc" autoport="yes" listen="127.0.0.1"/></devices>
    <test:runstate>5</test:runstate>
  </domain>)xml";

// A test-driver node file with the three domains (vm-off's <test:runstate>
// needs the node's test namespace).
inline std::string WorkedExampleNodeXml() {
  return std::string(
             "<?xml version=\"1.0\"?>\n<node "
             "xmlns:test=\"http://libvirt.org/schemas/domain/test/1.0\">") +
         kWorkedExampleVnc + kWorkedExampleSpice + kWorkedExampleOff +
         "\n</node>\n";
}

// Writes WorkedExampleNodeXml() into `dir` and returns the file's path (for
// a libvirt test:/// URI or ControllerStack).
inline std::string WriteWorkedExampleNode(const std::string& dir) {
  std::string path = dir + "/worked_example_node.xml";
  WriteFile(path, WorkedExampleNodeXml());
  return path;
}

// Two of alice's domains with a serial console log, for os-getConsoleOutput
// and the serial console: vm-serial (running; a TCP serial console bound to
// 127.0.0.1:`serial_port`, logging to `log_dir`/console.log as Nova writes
// it) and vm-serial-off (shut off; a file-backed serial console,
// `log_dir`/ttyS0.log). The worked example's three domains come along.
inline constexpr char kSerialLogUuid[] = "44444444-4444-4444-8444-000000000004";
inline constexpr char kSerialFileOffUuid[] =
    "55555555-5555-4555-8555-000000000005";

inline std::string SerialLogNodeXml(const std::string& log_dir,
                                    int serial_port) {
  const std::string owner =
      "<metadata><nova:instance "
      "xmlns:nova=\"http://openstack.org/xmlns/libvirt/nova/1.1\">"
      "<nova:name>NAME</nova:name><nova:owner>"
      "<nova:user uuid=\"aaaaaaaa-0000-4000-8000-000000000001\">alice"
      "</nova:user><nova:project uuid=\"bbbbbbbb-0000-4000-8000-000000000001\">"
      "demo</nova:project></nova:owner></nova:instance></metadata>"
      "<memory unit=\"KiB\">262144</memory><vcpu>1</vcpu>"
      "<os><type arch=\"i686\">hvm</type></os>";
  auto with_name = [&](const std::string& name) {
    std::string text = owner;
    text.replace(text.find("NAME"), 4, name);
    return text;
  };
  const std::string port = std::to_string(serial_port);
  return std::string(
             "<?xml version=\"1.0\"?>\n<node "
             "xmlns:test=\"http://libvirt.org/schemas/domain/test/1.0\">") +
         kWorkedExampleVnc + kWorkedExampleSpice + kWorkedExampleOff +
         "<domain type=\"test\"><name>instance-00000004</name><uuid>" +
         kSerialLogUuid + "</uuid>" + with_name("vm-serial") +
         "<devices><serial type=\"tcp\"><source mode=\"bind\" "
         "host=\"127.0.0.1\" service=\"" +
         port + "\"/><log file=\"" + log_dir +
         "/console.log\" append=\"off\"/><protocol type=\"raw\"/>"
         "<target port=\"0\"/></serial></devices></domain>"
         "<domain type=\"test\"><name>instance-00000005</name><uuid>" +
         kSerialFileOffUuid + "</uuid>" + with_name("vm-serial-off") +
         "<devices><serial type=\"file\"><source path=\"" + log_dir +
         "/ttyS0.log\"/><target port=\"0\"/></serial></devices>"
         "<test:runstate>5</test:runstate></domain>\n</node>\n";
}

// Writes SerialLogNodeXml() into `dir` and returns the file's path.
inline std::string WriteSerialLogNode(const std::string& dir,
                                      const std::string& log_dir,
                                      int serial_port = 10004) {
  std::string path = dir + "/serial_log_node.xml";
  WriteFile(path, SerialLogNodeXml(log_dir, serial_port));
  return path;
}

// A real QEMU guest for a libvirtd (Libvirtd::CreateGuest): TCG, 64 MiB, no
// disk (SeaBIOS's screen), gone on reboot, with `graphics` (one <graphics>
// element), owned by alice's project in Nova's metadata (so
// ControllerStack's kAliceToken may open its console).
inline std::string QemuDomainXml(const std::string& name,
                                 const std::string& uuid,
                                 const std::string& graphics) {
  return "<domain type='qemu'><name>" + name + "</name><uuid>" + uuid +
         "</uuid><metadata><nova:instance "
         "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
         "<nova:name>" +
         name +
         "</nova:name><nova:owner><nova:user "
         "uuid='aaaaaaaa-0000-4000-8000-000000000001'>alice</nova:user>"
         "<nova:project uuid='bbbbbbbb-0000-4000-8000-000000000001'>demo"
         "</nova:project></nova:owner></nova:instance></metadata>"
         "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
         "<os><type arch='x86_64'>hvm</type></os><on_reboot>destroy</on_reboot>"
         "<devices>" +
         graphics + "</devices></domain>";
}

// QemuDomainXml with VNC on an autoport listening on `listen`.
inline std::string QemuVncDomainXml(const std::string& name,
                                    const std::string& uuid,
                                    const std::string& listen) {
  return QemuDomainXml(
      name, uuid,
      "<graphics type='vnc' autoport='yes' listen='" + listen + "'/>");
}

// QemuDomainXml with SPICE on autoports listening on `listen`, no ticket.
// With `secure`, every channel is secure (defaultMode='secure'): libvirt
// then gives QEMU only a TLS port, and refuses to start the guest unless its
// qemu.conf has `spice_tls = 1` (QEMU then reads its certificate from
// `spice_tls_x509_cert_dir`).
inline std::string QemuSpiceDomainXml(const std::string& name,
                                      const std::string& uuid,
                                      const std::string& listen, bool secure) {
  return QemuDomainXml(name, uuid,
                       "<graphics type='spice' autoport='yes' listen='" +
                           listen + "'" +
                           (secure ? " defaultMode='secure'" : "") + "/>");
}

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_DOMAIN_FIXTURES_H_
