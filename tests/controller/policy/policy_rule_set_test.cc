// The evaluator: each check kind against credentials and targets, rule:
// references, overrides, cycles and what is reported about a set.
#include "controller/policy/policy_rule_set.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

PolicyRuleSet Rules(const std::vector<PolicyRuleSource>& defaults,
                    const std::vector<PolicyRuleSource>& overrides = {}) {
  absl::StatusOr<PolicyRuleSet> set = PolicyRuleSet::Build(defaults, overrides);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *std::move(set) : PolicyRuleSet();
}

std::string BuildError(const std::vector<PolicyRuleSource>& defaults,
                       const std::vector<PolicyRuleSource>& overrides = {}) {
  absl::StatusOr<PolicyRuleSet> set = PolicyRuleSet::Build(defaults, overrides);
  return set.ok() ? "ok" : std::string(set.status().message());
}

// Whether the one rule "r" allows `credentials` on `target`.
bool Check(const std::string& rule, const PolicyCredentials& credentials,
           const PolicyTarget& target = {"p1", "u1"}) {
  return Rules({{"r", rule, "test"}}).Allows("r", credentials, target);
}

const PolicyCredentials kMember{"u1", "p1", {"member", "reader"}, false};
const PolicyCredentials kAdmin{"root", "p9", {"admin"}, true};

TEST(PolicyRuleSet, AllowAndDeny_AreConstant) {
  EXPECT_TRUE(Check("@", kMember));
  EXPECT_TRUE(Check("", kMember));
  EXPECT_FALSE(Check("!", kAdmin));
}

TEST(PolicyRuleSet, RoleCheck_MatchesAnyHeldRole_CaseInsensitively) {
  EXPECT_TRUE(Check("role:member", kMember));
  EXPECT_TRUE(Check("role:READER", kMember));
  EXPECT_FALSE(Check("role:admin", kMember));
  EXPECT_FALSE(Check("role:member", {"u1", "p1", {}, false}));
}

TEST(PolicyRuleSet, RoleCheck_TakesItsNameFromTheTarget) {
  EXPECT_TRUE(Check("role:%(user_id)s", {"u1", "p1", {"u1"}, false}));
  EXPECT_FALSE(
      Check("role:%(user_id)s", {"u1", "p1", {"u1"}, false}, {"p1", ""}));
}

TEST(PolicyRuleSet, ProjectAndUserChecks_CompareWithTheTarget) {
  EXPECT_TRUE(Check("project_id:%(project_id)s", kMember, {"p1", "x"}));
  EXPECT_FALSE(Check("project_id:%(project_id)s", kMember, {"p2", "u1"}));
  EXPECT_TRUE(Check("user_id:%(user_id)s", kMember, {"p2", "u1"}));
  EXPECT_FALSE(Check("user_id:%(user_id)s", kMember, {"p1", "u2"}));
}

TEST(PolicyRuleSet, EmptyOrUnknownTargetKey_NeverMatches) {
  // A server of no project belongs to nobody, even a caller of no project.
  EXPECT_FALSE(
      Check("project_id:%(project_id)s", {"u1", "", {}, false}, {"", "u1"}));
  EXPECT_FALSE(Check("project_id:%(tenant)s", kMember));
  EXPECT_TRUE(Check("not project_id:%(tenant)s", kMember));
}

TEST(PolicyRuleSet, GenericChecks_CompareCredentialsWithLiteralsToo) {
  EXPECT_TRUE(Check("is_admin:True", kAdmin));
  EXPECT_FALSE(Check("is_admin:True", kMember));
  EXPECT_TRUE(Check("is_admin:False", kMember));
  EXPECT_TRUE(Check("user_id:u1", kMember));
  EXPECT_FALSE(Check("user_id:u2", kMember));
  EXPECT_TRUE(Check("project_id:p1", kMember));
  EXPECT_TRUE(Check("roles:member", kMember));  // a list: membership
  EXPECT_FALSE(Check("roles:admin", kMember));
  EXPECT_TRUE(Check("'p1':%(project_id)s", kMember));
  EXPECT_FALSE(Check("'p2':%(project_id)s", kMember));
  // Credentials Porthole does not have (domain_id, system_scope) never pass.
  EXPECT_FALSE(Check("domain_id:default", kAdmin));
  EXPECT_FALSE(Check("system_scope:all", kAdmin));
}

TEST(PolicyRuleSet, Templates_MayBeEmbeddedAndEscaped) {
  EXPECT_TRUE(Check("user_id:x-%(project_id)s", {"x-p1", "p1", {}, false}));
  EXPECT_TRUE(Check("user_id:100%%", {"100%", "p1", {}, false}));
}

TEST(PolicyRuleSet, Operators_CombineChecks) {
  EXPECT_TRUE(Check("role:admin or role:member", kMember));
  EXPECT_FALSE(Check("role:admin and role:member", kMember));
  EXPECT_TRUE(Check("not role:admin", kMember));
  EXPECT_FALSE(
      Check("not (role:member and project_id:%(project_id)s)", kMember));
  EXPECT_TRUE(Check("role:x or role:member and not role:admin", kMember));
}

TEST(PolicyRuleSet, RuleChecks_EvaluateTheNamedRule) {
  PolicyRuleSet set = Rules({{"base", "role:member", "d"},
                             {"top", "rule:base and user_id:u1", "d"},
                             {"dangling", "rule:nowhere or role:x", "d"}});
  EXPECT_TRUE(set.Allows("top", kMember, {}));
  EXPECT_FALSE(set.Allows("top", kAdmin, {}));
  EXPECT_FALSE(set.Allows("dangling", kMember, {}));
  EXPECT_THAT(set.undefined_references(),
              ElementsAre("nowhere (d rule 'dangling')"));
  EXPECT_FALSE(set.Allows("not-a-rule", kAdmin, {}));
}

TEST(PolicyRuleSet, Overrides_ReplaceDefaultsAndTheirUsers) {
  PolicyRuleSet set = Rules(
      {{"base", "role:member", "default"}, {"top", "rule:base", "default"}},
      {{"base", "role:console", "policy.yaml:1"}});
  EXPECT_FALSE(set.Allows("top", kMember, {}));
  EXPECT_TRUE(set.Allows("top", {"u", "p", {"console"}, false}, {}));
  EXPECT_EQ(set.Describe("top"), "rule:base");
  EXPECT_EQ(set.Describe("base"), "role:console");
}

TEST(PolicyRuleSet, UnusedOverrides_AreListedNotRefused) {
  PolicyRuleSet set =
      Rules({{"top", "rule:alias", "default"}, {"alias", "role:a", "default"}},
            {{"alias", "role:b", "f:1"},
             {"helper", "role:c", "f:2"},
             {"top", "rule:helper", "f:3"},
             {"os_compute_api:os-typo", "@", "f:4"}});
  EXPECT_THAT(set.unused_overrides(), ElementsAre("os_compute_api:os-typo"));
}

TEST(PolicyRuleSet, Cycles_AreLoadErrorsNamingTheChain) {
  EXPECT_EQ(BuildError({{"a", "rule:a", "default"}}),
            "default: rule 'a' closes a cycle of rule: checks: a -> a");
  EXPECT_EQ(BuildError({{"a", "rule:b", "default"}, {"b", "role:x", "default"}},
                       {{"b", "role:y or rule:c", "policy.yaml:2"},
                        {"c", "not rule:a", "policy.yaml:3"}}),
            "policy.yaml:3: rule 'c' closes a cycle of rule: checks: "
            "a -> b -> c -> a");
}

TEST(PolicyRuleSet, DeepChains_AreLoadErrors) {
  std::vector<PolicyRuleSource> chain;
  for (int i = 0; i <= PolicyRuleSet::kMaxRuleDepth; ++i) {
    chain.push_back({"r" + std::to_string(i),
                     i == PolicyRuleSet::kMaxRuleDepth
                         ? "@"
                         : "rule:r" + std::to_string(i + 1),
                     "f:" + std::to_string(i + 1)});
  }
  EXPECT_THAT(BuildError(chain), HasSubstr("more than 16 rules deep"));
  chain.erase(chain.begin());
  EXPECT_EQ(BuildError(chain), "ok");
}

TEST(PolicyRuleSet, SyntaxErrors_NameOriginAndRule) {
  EXPECT_EQ(BuildError({{"x", "@", "default"}},
                       {{"x", "role:a and", "policy.yaml:7"}}),
            "policy.yaml:7: rule 'x': ends where a check is expected");
}

TEST(PolicyRuleSet, IsAdmin_FollowsContextIsAdmin) {
  PolicyRuleSet nova = Rules({{"context_is_admin", "role:admin", "d"}});
  EXPECT_TRUE(nova.IsAdmin({"root", "p9", {"admin"}, false}));
  EXPECT_FALSE(nova.IsAdmin(kMember));
  PolicyRuleSet custom =
      Rules({{"context_is_admin", "role:admin", "d"}},
            {{"context_is_admin",
              "role:cloud-admin and project_id:%(project_id)s", "f:1"}});
  EXPECT_FALSE(custom.IsAdmin({"root", "p9", {"admin"}, false}));
  EXPECT_TRUE(custom.IsAdmin({"ops", "p9", {"cloud-admin"}, false}));
  // is_admin:True inside context_is_admin cannot make itself true.
  PolicyRuleSet self = Rules({{"context_is_admin", "is_admin:True", "d"}});
  EXPECT_FALSE(self.IsAdmin(kAdmin));
}

}  // namespace
}  // namespace porthole::controller
