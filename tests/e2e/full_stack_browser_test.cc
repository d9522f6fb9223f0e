// The whole system as deployed, in a real browser: a real QEMU guest under a
// libvirtd this test starts, porthole-agent on that libvirtd, and
// porthole-controller (API and noVNC proxy) as processes. The test asks the
// API for a console URL exactly as a client does (POST remote-consoles), and
// headless Chromium (tests/e2e/novnc_console.js) opens it: noVNC must say
// Connected and show the guest's SeaBIOS screen. A second run does the same
// with libvirt's vnc_tls = 1, the proxy reaching QEMU through VeNCrypt.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/domain_fixtures.h"
#include "tests/support/http_client.h"
#include "tests/support/libvirtd.h"
#include "tests/support/test_pki.h"

namespace porthole::testing {
namespace {

constexpr char kGuest[] = "e2e0face-0000-4000-8000-000000000002";

// Starts the guest on `libvirtd` (virsh create, as Nova's driver would).
void CreateGuest(Libvirtd& libvirtd) {
  std::string error;
  ASSERT_TRUE(libvirtd.CreateGuest(
      QemuVncDomainXml("e2e-guest", kGuest, "127.0.0.1"), &error))
      << error;
}

// Asks the API for a noVNC URL as a client does; "" on failure.
std::string NoVncUrl(const ControllerStack& stack) {
  HttpReply reply =
      HttpCall(stack.api_port(), "POST",
               std::string("/v2.1/servers/") + kGuest + "/remote-consoles",
               {{"X-Auth-Token", kAliceToken},
                {"Content-Type", "application/json"},
                {"OpenStack-API-Version", "compute 2.6"}},
               R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
  EXPECT_EQ(reply.status, 200) << reply.body << stack.ControllerLog();
  if (reply.status != 200) return "";
  return nlohmann::json::parse(reply.body)["remote_console"]["url"];
}

// Asks the API for a noVNC URL as a client does, opens it in headless
// Chromium and expects noVNC to say Connected.
void ExpectConnectedInChromium(const ControllerStack& stack,
                               const std::string& dir) {
  ASSERT_EQ(
      access((SourceDir() + "/tests/e2e/node_modules/playwright-core").c_str(),
             R_OK),
      0)
      << "run `npm ci` in tests/e2e (scripts/install-deps does)";
  const std::string url = NoVncUrl(stack);
  ASSERT_FALSE(url.empty());

  int exit_code = -1;
  {
    ChildProcess node({"node", SourceDir() + "/tests/e2e/novnc_console.js", url,
                       "connected", dir + "/chromium", "30000"},
                      {}, dir + "/node.log");
    std::optional<int> status = node.Wait(std::chrono::seconds(60));
    if (status && WIFEXITED(*status)) exit_code = WEXITSTATUS(*status);
  }
  const std::string report = ReadFile(dir + "/node.log");
  EXPECT_EQ(exit_code, 0) << report << stack.ControllerLog();
  EXPECT_NE(report.find("status=\"Connected"), std::string::npos) << report;
  std::cout << "browser: " << report;
}

TEST(FullStackBrowserTest, RealGuest_ApiUrlOpensItsScreenInChromium) {
  Libvirtd libvirtd;
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(CreateGuest(libvirtd));
  ControllerStack stack(libvirtd.qemu_uri());
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  ExpectConnectedInChromium(stack, dir.path());
}

// An admin ends a live console (DELETE /porthole/v1/console-sessions/{id})
// while the user watches it in Porthole's page (the API's URL with
// porthole_vnc.html for vnc_lite.html: same query), which shows the proxy's
// close reason and code where noVNC's own pages say only "Disconnected".
TEST(FullStackBrowserTest, AdminDelete_PortholePageShowsTheCloseReason) {
  Libvirtd libvirtd;
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(CreateGuest(libvirtd));
  ControllerStack stack(libvirtd.qemu_uri());
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  std::string url = NoVncUrl(stack);
  const size_t page = url.find("/vnc_lite.html");
  ASSERT_NE(page, std::string::npos) << url;
  url.replace(page, std::string("/vnc_lite.html").size(), "/porthole_vnc.html");

  ChildProcess node({"node", SourceDir() + "/tests/e2e/novnc_console.js", url,
                     "closed:4001", dir.path() + "/chromium", "40000"},
                    {}, dir.path() + "/node.log");
  // The session is live and the screen (a few KB, compressed) went down
  // to the browser.
  auto admin = [&](const std::string& method, const std::string& target) {
    return HttpCall(stack.api_port(), method, target,
                    {{"X-Auth-Token", kAdminToken}});
  };
  std::string id;
  std::string listed;
  ASSERT_TRUE(WaitFor(
      [&] {
        HttpReply list = admin("GET", "/porthole/v1/console-sessions");
        if (list.status != 200) return false;
        listed = list.body;
        auto sessions = nlohmann::json::parse(list.body)["console_sessions"];
        if (sessions.size() != 1 || sessions[0]["bytes_down"] < 1000) {
          return false;
        }
        id = sessions[0]["id"];
        return true;
      },
      std::chrono::seconds(40)))
      << listed << ReadFile(dir.path() + "/node.log") << stack.ControllerLog();
  EXPECT_EQ(admin("DELETE", "/porthole/v1/console-sessions/" + id).status, 204);

  int exit_code = -1;
  std::optional<int> status = node.Wait(std::chrono::seconds(60));
  if (status && WIFEXITED(*status)) exit_code = WEXITSTATUS(*status);
  const std::string report = ReadFile(dir.path() + "/node.log");
  EXPECT_EQ(exit_code, 0) << report << stack.ControllerLog();
  EXPECT_NE(
      report.find("status=\"Disconnected: ended by administrator (4001)\""),
      std::string::npos)
      << report;
  std::cout << "browser: " << report;
}

// A cloud that turned TLS on: libvirt's own `vnc_tls = 1` with a verified
// client certificate, so QEMU speaks only VeNCrypt/X509None and refuses a
// peer without the proxy's certificate; the proxy is set up as Nova's would
// be ([vnc] auth_schemes = vencrypt and the vencrypt_* files).
TEST(FullStackBrowserTest, LibvirtVncTls_ApiUrlOpensItsScreenThroughVencrypt) {
  TempDir pki_dir;
  TestPki pki(pki_dir.path());
  ASSERT_TRUE(pki.Init()) << pki.error();
  ASSERT_TRUE(pki.IssueServer("server", "IP:127.0.0.1")) << pki.error();
  ASSERT_TRUE(pki.IssueClient("client", "porthole-proxy")) << pki.error();
  Libvirtd::ShareWithDaemon(pki.dir());
  Libvirtd libvirtd(
      "vnc_tls = 1\nvnc_tls_x509_verify = 1\n"
      "vnc_tls_x509_cert_dir = \"" +
      pki.dir() + "\"\n");
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(CreateGuest(libvirtd));
  ControllerStack stack(
      libvirtd.qemu_uri(),
      "[vnc]\nauth_schemes = vencrypt\n"
      "vencrypt_ca_certs = " +
          pki.ca_cert() + "\nvencrypt_client_cert = " + pki.cert("client") +
          "\nvencrypt_client_key = " + pki.key("client") + "\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  ExpectConnectedInChromium(stack, dir.path());
  EXPECT_EQ(stack.ControllerLog().find("console security failed"),
            std::string::npos)
      << stack.ControllerLog();
}

}  // namespace
}  // namespace porthole::testing
