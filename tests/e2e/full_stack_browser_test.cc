// The whole system as deployed, in a real browser: a real QEMU guest under a
// libvirtd this test starts, porthole-agent on that libvirtd, and
// porthole-controller (API and noVNC proxy) as processes. The test asks the
// API for a console URL exactly as a client does (POST remote-consoles), and
// headless Chromium (tests/e2e/novnc_console.js) opens it: noVNC must say
// Connected and show the guest's SeaBIOS screen.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"
#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/libvirtd.h"

namespace porthole::testing {
namespace {

constexpr char kGuest[] = "e2e0face-0000-4000-8000-000000000002";

std::string GuestXml() {
  return std::string("<domain type='qemu'><name>e2e-guest</name><uuid>") +
         kGuest +
         "</uuid><metadata><nova:instance "
         "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
         "<nova:name>e2e-guest</nova:name><nova:owner>"
         "<nova:user "
         "uuid='aaaaaaaa-0000-4000-8000-000000000001'>alice</nova:user>"
         "<nova:project uuid='" +
         kAliceProject +
         "'>demo</nova:project></nova:owner></nova:instance></metadata>"
         "<memory unit='MiB'>64</memory><vcpu>1</vcpu>"
         "<os><type arch='x86_64'>hvm</type></os><on_reboot>destroy</on_reboot>"
         "<devices><graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
         "</devices></domain>";
}

TEST(FullStackBrowserTest, RealGuest_ApiUrlOpensItsScreenInChromium) {
  ASSERT_EQ(
      access((SourceDir() + "/tests/e2e/node_modules/playwright-core").c_str(),
             R_OK),
      0)
      << "run `npm ci` in tests/e2e (scripts/install-deps does)";
  Libvirtd libvirtd;
  ASSERT_TRUE(libvirtd.Start()) << libvirtd.ReadLog();
  TempDir dir;
  WriteFile(dir.path() + "/guest.xml", GuestXml());
  int created = -1;
  // libvirt checks an autoport is free before QEMU binds it; another
  // process may take it in between, so a failed create is retried.
  for (int attempt = 0; attempt < 3 && created != 0; ++attempt) {
    ChildProcess virsh({"virsh", "-q", "-c", libvirtd.qemu_uri(), "create",
                        dir.path() + "/guest.xml"},
                       {}, dir.path() + "/virsh.log");
    std::optional<int> status = virsh.Wait(std::chrono::seconds(30));
    created = status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }
  ASSERT_EQ(created, 0) << ReadFile(dir.path() + "/virsh.log")
                        << libvirtd.ReadLog();

  ControllerStack stack(libvirtd.qemu_uri());
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog() << stack.AgentLog();
  HttpReply reply =
      HttpCall(stack.api_port(), "POST",
               std::string("/v2.1/servers/") + kGuest + "/remote-consoles",
               {{"X-Auth-Token", kAliceToken},
                {"Content-Type", "application/json"},
                {"OpenStack-API-Version", "compute 2.6"}},
               R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
  ASSERT_EQ(reply.status, 200) << reply.body << stack.ControllerLog();
  const std::string url =
      nlohmann::json::parse(reply.body)["remote_console"]["url"];

  const std::string profile = dir.path() + "/chromium";
  int exit_code = -1;
  {
    ChildProcess node({"node", SourceDir() + "/tests/e2e/novnc_console.js", url,
                       "connected", profile, "30000"},
                      {}, dir.path() + "/node.log");
    std::optional<int> status = node.Wait(std::chrono::seconds(60));
    if (status && WIFEXITED(*status)) exit_code = WEXITSTATUS(*status);
  }
  const std::string report = ReadFile(dir.path() + "/node.log");
  EXPECT_EQ(exit_code, 0) << report << stack.ControllerLog();
  EXPECT_NE(report.find("status=\"Connected"), std::string::npos) << report;
  std::cout << "browser: " << report;
}

}  // namespace
}  // namespace porthole::testing
