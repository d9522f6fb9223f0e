// Nova's default policy, as its policy reference documents it, for the
// callers a Keystone token describes (implied roles included: admin ->
// member -> reader, manager -> member).
#include "controller/policy/nova_policy_defaults.h"

#include <cctype>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

constexpr char kOwn[] = "p-own";
constexpr char kOther[] = "p-other";

struct Caller {
  const char* name;
  std::vector<std::string> roles;
};

const Caller kAdmin{"admin", {"admin", "member", "reader"}};
const Caller kManager{"manager", {"manager", "member", "reader"}};
const Caller kMember{"member", {"member", "reader"}};
const Caller kReader{"reader", {"reader"}};
const Caller kService{"service", {"service"}};

struct Case {
  const char* rule;
  const Caller* caller;
  const char* target_project;
  bool allowed;
};

class NovaPolicyDefaultsTest : public ::testing::TestWithParam<Case> {};

TEST_P(NovaPolicyDefaultsTest, DecidesAsNovaDocuments) {
  const Case& c = GetParam();
  absl::StatusOr<PolicyRuleSet> rules =
      PolicyRuleSet::Build(NovaPolicyDefaults(), {});
  ASSERT_TRUE(rules.ok()) << rules.status();
  PolicyCredentials credentials{std::string("u-") + c.caller->name, kOwn,
                                c.caller->roles, false};
  credentials.is_admin = rules->IsAdmin(credentials);
  EXPECT_EQ(rules->Allows(c.rule, credentials, {c.target_project, "u-x"}),
            c.allowed)
      << c.rule << " for " << c.caller->name << " on " << c.target_project;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](const char* rule, const Caller& caller, bool own, bool other) {
    cases.push_back({rule, &caller, kOwn, own});
    cases.push_back({rule, &caller, kOther, other});
  };
  // Consoles: rule:project_member_or_admin.
  add(kRemoteConsolesPolicy, kAdmin, true, true);
  add(kRemoteConsolesPolicy, kManager, true, false);
  add(kRemoteConsolesPolicy, kMember, true, false);
  add(kRemoteConsolesPolicy, kReader, false, false);
  add(kRemoteConsolesPolicy, kService, false, false);
  // Reading servers: rule:project_reader_or_admin.
  for (const char* rule :
       {kServersIndexPolicy, kServersDetailPolicy, kServersShowPolicy}) {
    add(rule, kAdmin, true, true);
    add(rule, kManager, true, false);
    add(rule, kMember, true, false);
    add(rule, kReader, true, false);
    add(rule, kService, false, false);
  }
  // Admin only: rule:context_is_admin.
  for (const char* rule :
       {kConsoleAuthTokensPolicy, kServersIndexAllTenantsPolicy,
        kServersDetailAllTenantsPolicy, kExtendedServerAttributesPolicy,
        kConsoleSessionsListPolicy, kConsoleSessionsDeletePolicy, "admin_api",
        kContextIsAdminRule}) {
    add(rule, kAdmin, true, true);
    add(rule, kManager, false, false);
    add(rule, kMember, false, false);
    add(rule, kReader, false, false);
  }
  // The deprecated owner rule: any role in the project.
  add("admin_or_owner", kAdmin, true, true);
  add("admin_or_owner", kService, true, false);
  // The manager rules Nova has for project management APIs.
  add("project_manager_or_admin", kManager, true, false);
  add("project_manager_or_admin", kMember, false, false);
  add("project_manager_or_admin", kAdmin, true, true);
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name =
      std::string(info.param.rule) + "_" + info.param.caller->name + "_" +
      (info.param.target_project == std::string(kOwn) ? "OwnProject"
                                                      : "OtherProject");
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Table, NovaPolicyDefaultsTest,
                         ::testing::ValuesIn(Cases()), CaseName);

TEST(NovaPolicyDefaults, EveryRuleParses_AndNoneIsUnusedOrDangling) {
  absl::StatusOr<PolicyRuleSet> rules =
      PolicyRuleSet::Build(NovaPolicyDefaults(), {});
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_TRUE(rules->undefined_references().empty());
  EXPECT_EQ(rules->Describe(kRemoteConsolesPolicy),
            "rule:project_member_or_admin");
  EXPECT_EQ(rules->Describe("project_member_api"),
            "(role:member and project_id:%(project_id)s)");
}

}  // namespace
}  // namespace porthole::controller
