// One console URL, or one client, cannot starve every tenant (issue 16 item
// 3), against the real daemons: the agent on a test-driver node whose two
// tenants' VNC consoles are TCP listeners of this test, the controller with
// a small shared pool, raw sockets from several loopback addresses.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/raw_socket.h"
#include "tests/support/tcp_echo_server.h"

namespace porthole::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kAliceVm[] = "11111111-1111-4111-8111-111111111111";
constexpr char kBobVm[] = "44444444-4444-4444-8444-444444444444";

std::string Domain(const std::string& name, const std::string& uuid,
                   const std::string& user, const std::string& project,
                   int vnc_port) {
  return "<domain type='test'><name>" + name + "</name><uuid>" + uuid +
         "</uuid><metadata><nova:instance "
         "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
         "<nova:name>" +
         name + "</nova:name><nova:owner><nova:user uuid='" + user +
         "'>u</nova:user><nova:project uuid='" + project +
         "'>p</nova:project></nova:owner></nova:instance></metadata>"
         "<memory unit='KiB'>262144</memory><vcpu>1</vcpu><os><type "
         "arch='i686'>hvm</type></os><devices><graphics type='vnc' port='" +
         std::to_string(vnc_port) +
         "' autoport='no' listen='127.0.0.1'/></devices></domain>";
}

class TenantCapsProcessTest : public ::testing::Test {
 protected:
  // Alice's and Bob's servers, each with a VNC console that greets like one.
  std::string WriteNode() {
    const std::string path = dir_.path() + "/node.xml";
    WriteFile(
        path,
        "<?xml version='1.0'?><node>" +
            Domain("vm-alice", kAliceVm, "aaaaaaaa-0000-4000-8000-000000000001",
                   kAliceProject, alice_vnc_.port()) +
            Domain("vm-bob", kBobVm, "aaaaaaaa-0000-4000-8000-000000000002",
                   "bbbbbbbb-0000-4000-8000-000000000002", bob_vnc_.port()) +
            "</node>");
    return path;
  }

  void StartStack(const std::string& console_options) {
    stack_ = std::make_unique<ControllerStack>(WriteNode(),
                                               "[console]\n" + console_options);
    ASSERT_TRUE(stack_->Start()) << stack_->ControllerLog();
  }

  // A noVNC URL's token, issued through the API.
  std::string IssueToken(const std::string& api_token, const std::string& vm) {
    HttpReply r =
        HttpCall(stack_->api_port(), "POST",
                 std::string("/v2.1/servers/") + vm + "/remote-consoles",
                 {{"X-Auth-Token", api_token},
                  {"Content-Type", "application/json"},
                  {"OpenStack-API-Version", "compute 2.6"}},
                 R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})");
    EXPECT_EQ(r.status, 200) << r.body;
    auto json = nlohmann::json::parse(r.body, nullptr, false);
    if (json.is_discarded()) return "";
    std::smatch m;
    const std::string url = json["remote_console"]["url"];
    return std::regex_search(url, m, std::regex("token%3D([0-9a-f-]{36})$"))
               ? m[1].str()
               : "";
  }

  // Opens a WebSocket to the noVNC proxy from `source`; returns the status
  // line ("" when nothing came) and keeps the socket in `held`.
  std::string Upgrade(const std::string& token, const std::string& source) {
    auto ws = std::make_unique<RawSocket>();
    if (!ws->Connect(stack_->novnc_port(), "127.0.0.1", source)) {
      return "<no connect>";
    }
    ws->Send("GET /?token=" + token +
             " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: "
             "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    std::string head = ws->ReadResponse();
    held_.push_back(std::move(ws));
    return head;
  }

  // The static page from `source`: its status line.
  std::string Page(const std::string& source) {
    RawSocket page;
    if (!page.Connect(stack_->novnc_port(), "127.0.0.1", source)) {
      return "<no connect>";
    }
    page.Send("GET /vnc_lite.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const std::string reply = page.ReadResponse();
    return reply.substr(0, reply.find("\r\n"));
  }

  static bool Is(const std::string& head, const std::string& status) {
    return head.rfind("HTTP/1.1 " + status, 0) == 0;
  }
  static bool Served(const std::string& status_line) {
    return Is(status_line, "200") || Is(status_line, "404");
  }

  TempDir dir_;
  TcpEchoServer alice_vnc_{"RFB 003.008\n"};
  TcpEchoServer bob_vnc_{"RFB 003.008\n"};
  std::unique_ptr<ControllerStack> stack_;
  std::vector<std::unique_ptr<RawSocket>> held_;
};

TEST_F(TenantCapsProcessTest, OneUrl_CannotStarveOtherTenants) {
  StartStack(
      "max_connections = 24\nmax_sessions_per_token = 4\n"
      "idle_timeout = 0\n");
  const std::string alice = IssueToken(kAliceToken, kAliceVm);
  const std::string bob = IssueToken(kBobToken, kBobVm);
  ASSERT_FALSE(alice.empty());
  ASSERT_FALSE(bob.empty());

  int opened = 0, capped = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string head = Upgrade(alice, "127.0.0.1");
    if (Is(head, "101")) ++opened;
    if (Is(head, "429") && head.find("X-Porthole-Error: token-session-limit") !=
                               std::string::npos) {
      ++capped;
    }
  }
  EXPECT_EQ(opened, 4);
  EXPECT_EQ(capped, 8);

  // Another project's console and the page are served meanwhile.
  EXPECT_TRUE(Is(Upgrade(bob, "127.0.0.1"), "101"));
  EXPECT_TRUE(Served(Page("127.0.0.1"))) << Page("127.0.0.1");
  EXPECT_NE(stack_->ControllerLog().find("reason=token-session-limit"),
            std::string::npos);

  // Reuse until expiry stays (Nova): a session that ends frees its place.
  held_.clear();
  ASSERT_TRUE(WaitFor([&] { return alice_vnc_.ended() >= 4; }, seconds(10)));
  EXPECT_TRUE(Is(Upgrade(alice, "127.0.0.1"), "101"));
}

TEST_F(TenantCapsProcessTest, OneClient_CannotTakeThePool) {
  StartStack("max_connections = 24\nmax_connections_per_client = 8\n");
  const std::string bob = IssueToken(kBobToken, kBobVm);
  std::vector<std::unique_ptr<RawSocket>> flood;
  for (int i = 0; i < 20; ++i) {
    flood.push_back(std::make_unique<RawSocket>());
    ASSERT_TRUE(
        flood.back()->Connect(stack_->novnc_port(), "127.0.0.1", "127.0.0.5"));
  }
  int refused = 0;
  for (auto& s : flood) {
    const std::string reply = s->ReadSome(milliseconds(1500));
    if (Is(reply, "429") &&
        reply.find("X-Porthole-Error: client-connection-limit") !=
            std::string::npos) {
      ++refused;
    }
  }
  EXPECT_EQ(refused, 12);
  // Everyone else still gets consoles and pages.
  EXPECT_TRUE(Is(Upgrade(bob, "127.0.0.2"), "101"));
  EXPECT_TRUE(Served(Page("127.0.0.3")));
}

}  // namespace
}  // namespace porthole::testing
