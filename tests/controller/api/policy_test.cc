// The API decided by the policy engine: implied roles, an operator's file
// granting or denying consoles, context_is_admin, reload between requests.

#include "controller/api/policy.h"

#include <memory>
#include <string>

#include "api_test_support.h"
#include "controller/policy/policy_enforcer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace porthole::controller::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kConsolesDenied[] =
    "Policy doesn't allow os_compute_api:os-remote-consoles to be performed.";

// An ApiFixture (tokens file) deciding by a policy file the test writes.
class PolicyFileApiTest : public ::testing::Test {
 protected:
  void Use(const std::string& policy_yaml) {
    ::porthole::testing::WriteFile(file_, policy_yaml);
    absl::StatusOr<std::unique_ptr<PolicyEnforcer>> enforcer =
        PolicyEnforcer::Load({file_, {}});
    ASSERT_TRUE(enforcer.ok()) << enforcer.status();
    enforcer_ = *std::move(enforcer);
    api_ = std::make_unique<ApiFixture>(
        AuthKind::kTokensFile, ApiFixture::DefaultConfig(), enforcer_.get());
  }
  HttpResponse LegacyVnc(const std::string& token) const {
    return api_->Call(
        "POST", std::string("/v2.1/servers/") + kServerId + "/action", token,
        "2.1", R"({"os-getVNCConsole": {"type": "novnc"}})");
  }

  ::porthole::testing::TempDir dir_;
  const std::string file_ = dir_.path() + "/policy.yaml";
  std::unique_ptr<PolicyEnforcer> enforcer_;
  std::unique_ptr<ApiFixture> api_;
};

TEST_F(PolicyFileApiTest, NoOverrides_SupportRoleIsRefusedAsByNova) {
  Use("{}\n");
  HttpResponse response =
      api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6", api_->support_);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FaultMessage(response), kConsolesDenied);
}

TEST_F(PolicyFileApiTest, GrantToCustomRole_GivesItConsolesInItsProject) {
  Use("os_compute_api:os-remote-consoles: "
      "rule:project_member_or_admin or (role:support and "
      "project_id:%(project_id)s)\n");
  HttpResponse response =
      api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6", api_->support_);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(LegacyVnc(api_->support_).status, 200);
  EXPECT_EQ(api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6").status, 200);
  // Another project's server stays hidden whatever the rule says.
  EXPECT_EQ(api_->RemoteConsole(kOtherProjectId, "vnc", "novnc", "2.6",
                                api_->support_)
                .status,
            404);
}

TEST_F(PolicyFileApiTest, DenyToMembers_Gives403InNovasWords) {
  Use("os_compute_api:os-remote-consoles: rule:context_is_admin\n");
  HttpResponse response = api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FaultName(response), "forbidden");
  EXPECT_EQ(FaultMessage(response), kConsolesDenied);
  EXPECT_EQ(FaultMessage(LegacyVnc(api_->member_)), kConsolesDenied);
  EXPECT_EQ(api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6", api_->admin_)
                .status,
            200);
}

TEST_F(PolicyFileApiTest, ReaderRules_GateShowAndList_NotVisibility) {
  Use("os_compute_api:servers:show: '!'\n"
      "os_compute_api:servers:index: role:support\n");
  HttpResponse show = api_->Call(
      "GET", std::string("/v2.1/servers/") + kServerId, api_->member_);
  EXPECT_EQ(show.status, 403);
  EXPECT_EQ(FaultMessage(show),
            "Policy doesn't allow os_compute_api:servers:show to be "
            "performed.");
  EXPECT_EQ(api_->Call("GET", std::string("/v2.1/servers/") + kOtherProjectId,
                       api_->member_)
                .status,
            404);
  EXPECT_EQ(api_->Call("GET", "/v2.1/servers", api_->member_).status, 403);
  EXPECT_EQ(api_->Call("GET", "/v2.1/servers", api_->support_).status, 200);
}

TEST_F(PolicyFileApiTest, ContextIsAdmin_DecidesWhoIsAdmin) {
  Use("context_is_admin: role:support\n");
  // The admin role alone is no longer enough for admin-only rules...
  EXPECT_EQ(
      api_->Call("GET", "/v2.1/servers?all_tenants=1", api_->admin_).status,
      403);
  // ...and the support role now sees every project and opens any console.
  EXPECT_EQ(
      api_->Call("GET", "/v2.1/servers?all_tenants=1", api_->support_).status,
      200);
  EXPECT_EQ(api_->RemoteConsole(kOtherProjectId, "vnc", "novnc", "2.6",
                                api_->support_)
                .status,
            200);
  HttpResponse detail = api_->Call(
      "GET", std::string("/v2.1/servers/") + kServerId, api_->support_);
  EXPECT_EQ(BodyOf(detail)["server"]["OS-EXT-SRV-ATTR:host"], kHost);
}

TEST_F(PolicyFileApiTest, Reload_SwitchesTheDecisionOfTheNextRequest) {
  Use("{}\n");
  EXPECT_EQ(api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6").status, 200);
  ::porthole::testing::WriteFile(file_,
                                 "os_compute_api:os-remote-consoles: '!'\n");
  ASSERT_TRUE(enforcer_->Reload().ok());
  EXPECT_EQ(api_->RemoteConsole(kServerId, "vnc", "novnc", "2.6").status, 403);
}

}  // namespace
}  // namespace porthole::controller::testing
