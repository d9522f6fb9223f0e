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
#include <cstdint>
#include <iostream>
#include <regex>
#include <string>

#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/libvirtd.h"
#include "tests/support/nova_reply.h"
#include "tests/support/test_pki.h"

namespace porthole::testing {
namespace {

constexpr char kGuest[] = "e2e0face-0000-4000-8000-000000000014";

// Xvfb on a display it picks (-displayfd), black root, no TCP.
class VirtualDisplay {
 public:
  explicit VirtualDisplay(const std::string& dir)
      : xvfb_({"Xvfb", "-displayfd", "1", "-screen", "0", "1024x768x24", "-br",
               "-nolisten", "tcp"},
              {}, dir + "/xvfb.log") {
    // The display number is a line of digits (written when the server is
    // ready); Xvfb's complaints about displays another Xvfb took share the
    // log.
    WaitFor(
        [&] {
          const std::string log = ReadFile(xvfb_.log_path());
          static const std::regex kNumber("(^|\n)([0-9]+)\n");
          std::smatch m;
          if (!std::regex_search(log, m, kNumber)) return false;
          display_ = ":" + m[2].str();
          return true;
        },
        std::chrono::seconds(20));
  }

  const std::string& name() const { return display_; }

  // Pixels of the display in VGA's light gray (the colour of SeaBIOS's
  // text), or -1 when the dump failed.
  int GrayPixels(const std::string& dir) {
    const std::string dump = dir + "/screen.xwd";
    if (RunCommand({"xwd", "-root", "-silent", "-display", display_, "-out",
                    dump}) != 0) {
      return -1;
    }
    return CountGray(ReadFile(dump));
  }

 private:
  static uint32_t U32(const std::string& s, size_t at) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data() + at);
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
           (uint32_t{p[2]} << 8) | p[3];
  }

  // An XWD file of a 24-bit TrueColor ZPixmap with 32 bits a pixel (what
  // Xvfb's root dumps as): the header says where pixels start and how the
  // channels are laid out.
  static int CountGray(const std::string& xwd) {
    if (xwd.size() < 100) return -1;
    const uint32_t header_size = U32(xwd, 0);
    const uint32_t width = U32(xwd, 16);
    const uint32_t height = U32(xwd, 20);
    const uint32_t byte_order = U32(xwd, 28);  // 0: LSBFirst
    const uint32_t bits_per_pixel = U32(xwd, 44);
    const uint32_t bytes_per_line = U32(xwd, 48);
    const uint32_t ncolors = U32(xwd, 76);
    const size_t start = header_size + size_t{ncolors} * 12;
    if (bits_per_pixel != 32 ||
        xwd.size() < start + size_t{bytes_per_line} * height) {
      return -1;
    }
    int gray = 0;
    for (uint32_t y = 0; y < height; ++y) {
      for (uint32_t x = 0; x < width; ++x) {
        const auto* p = reinterpret_cast<const uint8_t*>(
            xwd.data() + start + size_t{y} * bytes_per_line + size_t{x} * 4);
        const uint32_t pixel = byte_order == 0
                                   ? (p[0] | (p[1] << 8) | (p[2] << 16))
                                   : ((p[1] << 16) | (p[2] << 8) | p[3]);
        const int r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff,
                  b = pixel & 0xff;
        if (r == g && g == b && r >= 0xa0 && r <= 0xb0) ++gray;
      }
    }
    return gray;
  }

  ChildProcess xvfb_;
  std::string display_;
};

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
  EXPECT_EQ(display.GrayPixels(dir), 0);  // nothing on the screen yet

  auto viewer = StartViewer(display, pki.ca_cert(), native_port,
                            console.credential, dir + "/viewer.log");
  int gray = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        gray = display.GrayPixels(dir);
        return gray > 500;
      },
      std::chrono::seconds(30)))
      << "gray pixels: " << gray << "\n"
      << ReadFile(dir + "/viewer.log") << stack.ControllerLog();
  std::cout << "SeaBIOS text pixels on the viewer's screen: " << gray << "\n";
  EXPECT_TRUE(viewer->running()) << ReadFile(dir + "/viewer.log");

  // The same credential again: Porthole refuses it (the viewer shows the
  // reason in a dialog and waits there; the controller logs it).
  auto again = StartViewer(display, pki.ca_cert(), native_port,
                           console.credential, dir + "/again.log");
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find("reason=token-used") !=
               std::string::npos;
      },
      std::chrono::seconds(20)))
      << ReadFile(dir + "/again.log") << stack.ControllerLog();
  EXPECT_EQ(stack.ControllerLog().find(console.credential), std::string::npos);
}

// The stack with the native listener on a free port and the proxy's
// certificate from `pki`; `extra` is more configuration.
std::string NativeConfig(const TestPki& pki, int port,
                         const std::string& extra = "") {
  return "[DEFAULT]\ncert = " + pki.cert("proxy") +
         "\nkey = " + pki.key("proxy") +
         "\n[native]\nlisten = 127.0.0.1:" + std::to_string(port) +
         "\n[vnc]\nxvpvncproxy_base_url = http://127.0.0.1:" +
         std::to_string(port) + "/console\n" + extra;
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
