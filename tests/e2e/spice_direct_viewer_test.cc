// A native SPICE viewer through Porthole's spice-direct consoles (Nova's
// 2.99), as deployed: a real QEMU guest with SPICE graphics under a libvirtd
// this test starts, porthole-agent and porthole-controller as processes with
// `[native] listen`, and Debian's remote-viewer (virt-viewer) on a virtual X
// display (Xvfb). The test asks the API for a spice-direct console as a
// client does, fetches the URL over TLS (a virt-viewer file naming the
// native listener's TLS port, the credential as the SPICE password and the
// CA), runs remote-viewer on that file and reads the X display back (xwd):
// the guest's SeaBIOS text must be on it. The credential works once. A
// second test does the same with libvirt's spice_tls = 1 and
// defaultMode='secure' (QEMU has only a TLS port), Porthole reaching QEMU
// with [spice] tls_ca_certs.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "tests/e2e/native_viewer_check.h"
#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/libvirtd.h"
#include "tests/support/nova_reply.h"
#include "tests/support/raw_socket.h"
#include "tests/support/test_pki.h"
#include "tests/support/virtual_display.h"

namespace porthole::testing {
namespace {

constexpr char kGuest[] = "e2e0face-0000-4000-8000-000000000015";
constexpr char kGuestName[] = "spice-direct-guest";

struct SpiceDirectConsole {
  std::string url;
  std::string credential;
};

// Asks the API for a spice-direct console (Nova's way, 2.99).
SpiceDirectConsole AskForSpiceDirect(const ControllerStack& stack) {
  HttpReply reply = PostRemoteConsole(stack.api_port(), kGuest, kAliceToken,
                                      "spice", "spice-direct", "2.99");
  EXPECT_EQ(reply.status, 200) << reply.body << stack.ControllerLog();
  if (reply.status != 200) return {};
  SpiceDirectConsole console;
  console.url = nlohmann::json::parse(reply.body)["remote_console"]["url"];
  console.credential = ConsoleTokenOf(console.url);
  return console;
}

// The key=value lines of a virt-viewer file's [virt-viewer] group, or
// nothing when the file does not start with that group.
std::map<std::string, std::string> VirtViewerKeys(const std::string& file) {
  std::map<std::string, std::string> keys;
  std::istringstream lines(file);
  bool in_group = false;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!in_group) {
      if (line != "[virt-viewer]") return {};
      in_group = true;
      continue;
    }
    const size_t equals = line.find('=');
    if (equals != std::string::npos) {
      keys[line.substr(0, equals)] = line.substr(equals + 1);
    }
  }
  return keys;
}

// A PEM file as a virt-viewer file's `ca=` value: lines joined by a literal
// backslash-n, with no trailing one.
std::string CaValueOf(const std::string& pem) {
  std::string value = std::regex_replace(pem, std::regex("\n"), "\\n");
  while (value.size() >= 2 && value.compare(value.size() - 2, 2, "\\n") == 0) {
    value.resize(value.size() - 2);
  }
  return value;
}

// GETs the console's URL over TLS (checked against `ca`): a virt-viewer file
// that sends remote-viewer to the native listener's TLS port with the
// credential as the SPICE password. Returns the file ("" on failure).
std::string FetchViewerFile(const SpiceDirectConsole& console, int port,
                            const std::string& ca) {
  const std::string origin = "https://127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(console.url, origin + "/nova?token=" + console.credential);
  std::string error;
  const HttpReply reply =
      HttpsGet(port, console.url.substr(origin.size()), ca, &error);
  EXPECT_EQ(reply.status, 200) << error << "\n" << reply.body;
  EXPECT_EQ(reply.Header("Content-Type").value_or(""),
            "application/x-virt-viewer");
  const std::map<std::string, std::string> keys = VirtViewerKeys(reply.body);
  EXPECT_FALSE(keys.empty()) << reply.body;
  auto value = [&](const std::string& key) {
    auto it = keys.find(key);
    return it == keys.end() ? std::string("<none>") : it->second;
  };
  EXPECT_EQ(value("type"), "spice");
  EXPECT_EQ(value("host"), "127.0.0.1");
  EXPECT_EQ(value("tls-port"), std::to_string(port));
  EXPECT_EQ(value("password"), console.credential);
  EXPECT_EQ(CaValueOf(value("ca")), CaValueOf(ReadFile(ca)));
  // A plain port would have the viewer send the credential in the clear.
  EXPECT_EQ(value("port"), "<none>");
  return reply.status == 200 ? reply.body : "";
}

// remote-viewer on `file`, alone in `dir`: its own HOME, XDG directories
// and (absent) session bus, so it neither reads nor writes the user's, and
// --debug so its log says how far the connection got.
std::unique_ptr<ChildProcess> StartRemoteViewer(const VirtualDisplay& display,
                                                const std::string& file,
                                                const std::string& dir,
                                                const std::string& log) {
  mkdir((dir + "/home").c_str(), 0700);
  mkdir((dir + "/run").c_str(), 0700);  // GTK wants it private
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{"remote-viewer", "--debug", file},
      std::vector<std::string>{
          "DISPLAY=" + display.name(), "GDK_BACKEND=x11", "NO_AT_BRIDGE=1",
          "HOME=" + dir + "/home", "XDG_CONFIG_HOME=" + dir + "/home/.config",
          "XDG_CACHE_HOME=" + dir + "/home/.cache",
          "XDG_DATA_HOME=" + dir + "/home/.local/share",
          "XDG_RUNTIME_DIR=" + dir + "/run",
          "DBUS_SESSION_BUS_ADDRESS=unix:path=" + dir + "/run/no-bus"},
      log);
}

// The whole check on a running stack: the screen shows, then the
// credential is refused on second use.
void ExpectRemoteViewerShowsTheGuest(ControllerStack& stack, const TestPki& pki,
                                     int native_port, const std::string& dir) {
  VirtualDisplay display(dir);
  ASSERT_FALSE(display.name().empty()) << ReadFile(dir + "/xvfb.log");
  const SpiceDirectConsole console = AskForSpiceDirect(stack);
  ASSERT_FALSE(console.credential.empty()) << console.url;
  const std::string file = FetchViewerFile(console, native_port, pki.ca_cert());
  ASSERT_FALSE(file.empty()) << stack.ControllerLog();
  int viewers = 0;
  ExpectViewerShowsTheGuestOnce(
      stack, display, dir, console.credential, [&](const std::string& log) {
        const std::string vv =
            dir + "/console" + std::to_string(++viewers) + ".vv";
        WriteFile(vv, file);  // each its own: it says delete-this-file=1
        return StartRemoteViewer(display, vv, dir, log);
      });
}

// The stack's configuration: the native listener on `port` with the CA
// for the .vv files, spice-direct URLs pointing at it, then `spice` (more
// of [spice]).
std::string SpiceDirectConfig(const TestPki& pki, int port,
                              const std::string& spice = "") {
  return NativeListenerConfig(
      pki, port,
      "ca_file = " + pki.ca_cert() +
          "\n[spice]\nspice_direct_proxy_base_url = https://127.0.0.1:" +
          std::to_string(port) + "/nova\n" + spice);
}

// The live domain's <graphics>: with `secure`, libvirt gave QEMU a TLS port
// and no plain one, so only TLS reaches the guest.
void ExpectSpicePorts(const std::string& domain_xml, bool secure) {
  std::smatch graphics;
  ASSERT_TRUE(std::regex_search(domain_xml, graphics,
                                std::regex("<graphics type='spice'[^>]*>")))
      << domain_xml;
  const std::string element = graphics[0].str();
  const bool plain =
      std::regex_search(element, std::regex(" port='[1-9][0-9]*'"));
  const bool tls = std::regex_search(element, std::regex(" tlsPort='[1-9]"));
  EXPECT_EQ(plain, !secure) << element;
  EXPECT_EQ(tls, secure) << element;
}

// The stack on a libvirtd with a real guest, then the viewer. With
// `spice_tls`, libvirt's spice_tls = 1 and defaultMode='secure', and
// Porthole set up to dial QEMU's TLS port ([spice] tls_ca_certs; QEMU's
// SPICE server asks for no client certificate).
void RunRemoteViewerAgainstAGuest(bool spice_tls) {
  TempDir pki_dir;
  TestPki pki(pki_dir.path());
  ASSERT_TRUE(pki.Init()) << pki.error();
  ASSERT_TRUE(pki.IssueServer("proxy", "IP:127.0.0.1")) << pki.error();
  std::string qemu_conf, spice;
  if (spice_tls) {
    ASSERT_TRUE(pki.IssueServer("server", "IP:127.0.0.1")) << pki.error();
    Libvirtd::ShareWithDaemon(pki.dir());
    qemu_conf =
        "spice_tls = 1\nspice_tls_x509_cert_dir = \"" + pki.dir() + "\"\n";
    spice = "tls_ca_certs = " + pki.ca_cert() + "\n";
  }
  Libvirtd libvirtd(qemu_conf);
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  std::string error;
  ASSERT_TRUE(libvirtd.CreateGuest(
      QemuSpiceDomainXml(kGuestName, kGuest, "127.0.0.1", spice_tls), &error))
      << error;
  ExpectSpicePorts(libvirtd.GuestXml(kGuestName), spice_tls);
  const int port = PickFreePort();
  ControllerStack stack(libvirtd.qemu_uri(),
                        SpiceDirectConfig(pki, port, spice));
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  TempDir dir;
  ExpectRemoteViewerShowsTheGuest(stack, pki, port, dir.path());
  EXPECT_EQ(stack.ControllerLog().find("console security failed"),
            std::string::npos)
      << stack.ControllerLog();
}

TEST(SpiceDirectViewerTest, RemoteViewer_SpiceDirectFile_ShowsTheGuestOnce) {
  RunRemoteViewerAgainstAGuest(/*spice_tls=*/false);
}

TEST(SpiceDirectViewerTest, RemoteViewer_ThroughTlsToQemu_ShowsTheGuest) {
  RunRemoteViewerAgainstAGuest(/*spice_tls=*/true);
}

// Little-endian u32, as SPICE's link stage has them.
std::string Le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8),
          static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
}

// Nova's contract for external proxies, and Tempest's raw check: an admin's
// token show at 2.99 reports the console's host, port and tls_port, and a
// SPICE link (main channel, no capabilities) to that host:port answers
// REDQ with error 0.
TEST(SpiceDirectViewerTest, TokenShow_ReportsAConsoleThatAnswersRedq) {
  TempDir pki_dir;
  TestPki pki(pki_dir.path());
  ASSERT_TRUE(pki.Init()) << pki.error();
  ASSERT_TRUE(pki.IssueServer("proxy", "IP:127.0.0.1")) << pki.error();
  Libvirtd libvirtd("");
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  std::string error;
  ASSERT_TRUE(libvirtd.CreateGuest(
      QemuSpiceDomainXml(kGuestName, kGuest, "127.0.0.1", false), &error))
      << error;
  ControllerStack stack(libvirtd.qemu_uri(),
                        SpiceDirectConfig(pki, PickFreePort()));
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  const SpiceDirectConsole console = AskForSpiceDirect(stack);
  ASSERT_FALSE(console.credential.empty()) << console.url;

  HttpReply shown =
      HttpCall(stack.api_port(), "GET",
               "/v2.1/os-console-auth-tokens/" + console.credential,
               {{"X-Auth-Token", kAdminToken},
                {"OpenStack-API-Version", "compute 2.99"}});
  ASSERT_EQ(shown.status, 200) << shown.body;
  const nlohmann::json token = nlohmann::json::parse(shown.body)["console"];
  EXPECT_EQ(token["instance_uuid"], kGuest);
  EXPECT_EQ(token["host"], "127.0.0.1");
  EXPECT_TRUE(token.contains("tls_port")) << token.dump();
  const int port = token["port"].get<int>();

  RawSocket socket;
  ASSERT_TRUE(socket.Connect(port));
  const std::string link = "REDQ" + Le32(2) + Le32(2) + Le32(18) + Le32(0) +
                           std::string{1, 0} + Le32(0) + Le32(0) + Le32(18);
  ASSERT_TRUE(socket.Send(link));
  const std::string reply = socket.ReadSome();
  ASSERT_GE(reply.size(), 20u) << "no link reply from " << port;
  EXPECT_EQ(reply.substr(0, 4), "REDQ");
  EXPECT_EQ(reply.substr(16, 4), Le32(0));  // SPICE_LINK_ERR_OK
}

}  // namespace
}  // namespace porthole::testing
