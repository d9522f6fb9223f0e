// A native VNC viewer through Porthole (issue 14), as deployed: a real QEMU
// guest under a libvirtd this test starts, porthole-agent and
// porthole-controller as processes with `[native] listen`, and Debian's
// TigerVNC viewer on a virtual X display (Xvfb). The test asks the API for
// an xvpvnc console as a client does, runs the viewer with the URL's
// credential as its VeNCrypt X509Plain password, and reads the X display
// back (xwd): the guest's SeaBIOS text must be on it. The credential works
// once. A second test does the same with libvirt's vnc_tls = 1, Porthole
// reaching QEMU through VeNCrypt X509None.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/e2e/native_viewer_check.h"
#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/libvirtd.h"
#include "tests/support/nova_reply.h"
#include "tests/support/test_pki.h"
#include "tests/support/virtual_display.h"

namespace porthole::testing {
namespace {

constexpr char kGuest[] = "e2e0face-0000-4000-8000-000000000014";

struct XvpVncConsole {
  std::string url;
  std::string credential;
};

// Asks the API for an xvpvnc console (Porthole's way at 2.6+).
XvpVncConsole AskForXvpVnc(const ControllerStack& stack) {
  HttpReply reply =
      PostRemoteConsole(stack.api_port(), kGuest, kAliceToken, "vnc", "xvpvnc");
  EXPECT_EQ(reply.status, 200) << reply.body << stack.ControllerLog();
  if (reply.status != 200) return {};
  XvpVncConsole console;
  console.url = nlohmann::json::parse(reply.body)["remote_console"]["url"];
  console.credential = ConsoleTokenOf(console.url);
  return console;
}

// The viewer command line the operators' guide gives, with the credential
// in TigerVNC's VNC_PASSWORD.
std::unique_ptr<ChildProcess> StartViewer(const VirtualDisplay& display,
                                          const std::string& ca, int port,
                                          const std::string& credential,
                                          const std::string& log) {
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{"xtigervncviewer", "-SecurityTypes", "X509Plain",
                               "-X509CA", ca,
                               "127.0.0.1::" + std::to_string(port)},
      std::vector<std::string>{"DISPLAY=" + display.name(),
                               "VNC_USERNAME=porthole",
                               "VNC_PASSWORD=" + credential},
      log);
}

// The whole check on a running stack: the screen shows, then the
// credential is refused on second use.
void ExpectViewerShowsTheGuest(ControllerStack& stack, const TestPki& pki,
                               int native_port, const std::string& dir) {
  VirtualDisplay display(dir);
  ASSERT_FALSE(display.name().empty()) << ReadFile(dir + "/xvfb.log");
  const XvpVncConsole console = AskForXvpVnc(stack);
  ASSERT_FALSE(console.credential.empty()) << console.url;
  EXPECT_EQ(
      console.url.rfind(
          "http://127.0.0.1:" + std::to_string(native_port) + "/console?token=",
          0),
      0u)
      << console.url;
  ExpectViewerShowsTheGuestOnce(
      stack, display, dir, console.credential, [&](const std::string& log) {
        return StartViewer(display, pki.ca_cert(), native_port,
                           console.credential, log);
      });
}

// The stack's configuration: the native listener on `port`, the API's
// xvpvnc URLs pointing at it, then `extra`.
std::string NativeConfig(const TestPki& pki, int port,
                         const std::string& extra = "") {
  return NativeListenerConfig(pki, port,
                              "[vnc]\nxvpvncproxy_base_url = "
                              "http://127.0.0.1:" +
                                  std::to_string(port) + "/console\n" + extra);
}

// The stack on a libvirtd with a real guest, then the viewer. With
// `vnc_tls`, libvirt's vnc_tls = 1 with a verified client certificate, and
// Porthole set up as Nova's proxy would be ([vnc] auth_schemes = vencrypt).
void RunTigerVncAgainstAGuest(bool vnc_tls) {
  TempDir pki_dir;
  TestPki pki(pki_dir.path());
  ASSERT_TRUE(pki.Init()) << pki.error();
  ASSERT_TRUE(pki.IssueServer("proxy", "IP:127.0.0.1")) << pki.error();
  std::string qemu_conf, vencrypt;
  if (vnc_tls) {
    ASSERT_TRUE(pki.IssueServer("server", "IP:127.0.0.1")) << pki.error();
    ASSERT_TRUE(pki.IssueClient("client", "porthole-proxy")) << pki.error();
    Libvirtd::ShareWithDaemon(pki.dir());
    qemu_conf =
        "vnc_tls = 1\nvnc_tls_x509_verify = 1\nvnc_tls_x509_cert_dir = \"" +
        pki.dir() + "\"\n";
    vencrypt = "auth_schemes = vencrypt\nvencrypt_ca_certs = " + pki.ca_cert() +
               "\nvencrypt_client_cert = " + pki.cert("client") +
               "\nvencrypt_client_key = " + pki.key("client") + "\n";
  }
  Libvirtd libvirtd(qemu_conf);
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  std::string error;
  ASSERT_TRUE(libvirtd.CreateGuest(
      QemuVncDomainXml("native-guest", kGuest, "127.0.0.1"), &error))
      << error;
  const int port = PickFreePort();
  ControllerStack stack(libvirtd.qemu_uri(), NativeConfig(pki, port, vencrypt));
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  TempDir dir;
  ExpectViewerShowsTheGuest(stack, pki, port, dir.path());
  EXPECT_EQ(stack.ControllerLog().find("console security failed"),
            std::string::npos)
      << stack.ControllerLog();
}

TEST(NativeViewerTest, TigerVnc_XvpvncCredential_ShowsTheGuestOnce) {
  RunTigerVncAgainstAGuest(/*vnc_tls=*/false);
}

TEST(NativeViewerTest, TigerVnc_ThroughVencryptToQemu_ShowsTheGuest) {
  RunTigerVncAgainstAGuest(/*vnc_tls=*/true);
}

}  // namespace
}  // namespace porthole::testing
