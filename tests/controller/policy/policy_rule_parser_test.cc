// oslo.policy's rule language: every construct, precedence, and errors that
// say where.
#include "controller/policy/policy_rule_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

// The parsed rule, fully parenthesised; the error message when it fails.
std::string Parsed(const std::string& text) {
  absl::StatusOr<PolicyExpr> expr = ParsePolicyRule(text);
  if (!expr.ok()) return "error: " + std::string(expr.status().message());
  return DescribePolicyExpr(*expr);
}

TEST(PolicyRuleParser, EmptyRule_AllowsAsOsloDoes) {
  EXPECT_EQ(Parsed(""), "@");
  EXPECT_EQ(Parsed("  \t\n "), "@");
}

TEST(PolicyRuleParser, SingleChecks_ParseToTheirKind) {
  EXPECT_EQ(Parsed("@"), "@");
  EXPECT_EQ(Parsed("!"), "!");
  EXPECT_EQ(Parsed("role:admin"), "role:admin");
  EXPECT_EQ(Parsed("rule:context_is_admin"), "rule:context_is_admin");
  EXPECT_EQ(Parsed("project_id:%(project_id)s"), "project_id:%(project_id)s");
  EXPECT_EQ(Parsed("user_id:%(user_id)s"), "user_id:%(user_id)s");
  EXPECT_EQ(Parsed("is_admin:True"), "is_admin:True");
  EXPECT_EQ(Parsed("'member':%(role)s"), "'member':%(role)s");
}

TEST(PolicyRuleParser, CheckKinds_AreWhatTheEvaluatorSees) {
  absl::StatusOr<PolicyExpr> role = ParsePolicyRule("role:Admin");
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->kind, PolicyExpr::Kind::kRole);
  EXPECT_EQ(role->match, "Admin");
  absl::StatusOr<PolicyExpr> rule = ParsePolicyRule("rule:x");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(rule->kind, PolicyExpr::Kind::kRule);
  EXPECT_EQ(rule->key, "x");
  absl::StatusOr<PolicyExpr> generic = ParsePolicyRule("user_id:u1");
  ASSERT_TRUE(generic.ok());
  EXPECT_EQ(generic->kind, PolicyExpr::Kind::kGeneric);
  EXPECT_EQ(generic->key, "user_id");
  EXPECT_EQ(generic->match, "u1");
}

TEST(PolicyRuleParser, NotBindsTighterThanAnd_AndTighterThanOr) {
  EXPECT_EQ(Parsed("role:a or role:b and role:c"),
            "(role:a or (role:b and role:c))");
  EXPECT_EQ(Parsed("role:a and role:b or role:c"),
            "((role:a and role:b) or role:c)");
  EXPECT_EQ(Parsed("not role:a and role:b"), "(not role:a and role:b)");
  EXPECT_EQ(Parsed("not role:a or not role:b and role:c"),
            "(not role:a or (not role:b and role:c))");
  EXPECT_EQ(Parsed("not not role:a"), "not not role:a");
}

TEST(PolicyRuleParser, ChainsOfOneOperator_AreOneNode) {
  EXPECT_EQ(Parsed("role:a or role:b or role:c"),
            "(role:a or role:b or role:c)");
  EXPECT_EQ(Parsed("role:a and role:b and role:c"),
            "(role:a and role:b and role:c)");
}

TEST(PolicyRuleParser, Parentheses_OverridePrecedence_AttachedOrApart) {
  EXPECT_EQ(Parsed("(role:a or role:b) and role:c"),
            "((role:a or role:b) and role:c)");
  EXPECT_EQ(Parsed("( role:a or role:b ) and role:c"),
            "((role:a or role:b) and role:c)");
  EXPECT_EQ(Parsed("not (role:a or role:b)"), "not (role:a or role:b)");
  EXPECT_EQ(Parsed("((role:a))"), "role:a");
  // A template's own parentheses are part of the word.
  EXPECT_EQ(Parsed("(project_id:%(project_id)s)"), "project_id:%(project_id)s");
}

TEST(PolicyRuleParser, Keywords_AreCaseInsensitive) {
  EXPECT_EQ(Parsed("role:a OR role:b AND NOT role:c"),
            "(role:a or (role:b and not role:c))");
}

TEST(PolicyRuleParser, NovaDefaults_Parse) {
  EXPECT_EQ(Parsed("is_admin:True or project_id:%(project_id)s"),
            "(is_admin:True or project_id:%(project_id)s)");
  EXPECT_EQ(Parsed("role:member and project_id:%(project_id)s"),
            "(role:member and project_id:%(project_id)s)");
}

TEST(PolicyRuleParser, Errors_SayWhichWordAndWhat) {
  EXPECT_EQ(Parsed("role:a or"), "error: ends where a check is expected");
  EXPECT_EQ(Parsed("role:a and or role:b"), "error: word 3: unexpected 'or'");
  EXPECT_EQ(Parsed("(role:a"), "error: ends where ')' is expected");
  EXPECT_EQ(Parsed("role:a)"), "error: word 1: unexpected ')'");
  EXPECT_EQ(Parsed("role:a role:b"), "error: word 2: unexpected 'role:b'");
  EXPECT_EQ(Parsed("admin"),
            "error: word 1: cannot understand 'admin' (expected KIND:VALUE, "
            "@ or !)");
  EXPECT_EQ(Parsed("role:"),
            "error: word 1: cannot understand 'role:' (expected KIND:VALUE, "
            "@ or !)");
  EXPECT_EQ(Parsed(":x"),
            "error: word 1: cannot understand ':x' (expected KIND:VALUE, "
            "@ or !)");
  EXPECT_EQ(Parsed("role:a or http://example.org/check"),
            "error: word 3: http and https checks are not supported");
  EXPECT_EQ(Parsed("project_id:%(project_id)d"),
            "error: word 1: '%(project_id)d': a '%' must start %(key)s or %%");
  EXPECT_EQ(Parsed("not"), "error: ends where a check is expected");
  EXPECT_EQ(Parsed("()"), "error: word 1: unexpected ')'");
}

TEST(PolicyRuleParser, DeepNesting_IsRefused) {
  std::string deep(kMaxPolicyRuleNesting + 1, '(');
  deep += "role:a";
  deep += std::string(kMaxPolicyRuleNesting + 1, ')');
  EXPECT_EQ(Parsed(deep), "error: nested deeper than 32");
  std::string nots;
  for (int i = 0; i <= kMaxPolicyRuleNesting; ++i) nots += "not ";
  EXPECT_EQ(Parsed(nots + "role:a"), "error: nested deeper than 32");
}

}  // namespace
}  // namespace porthole::controller
