#ifndef PORTHOLE_CONTROLLER_POLICY_POLICY_RULE_SET_H_
#define PORTHOLE_CONTROLLER_POLICY_POLICY_RULE_SET_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/policy/policy_credentials.h"
#include "controller/policy/policy_expr.h"

namespace porthole::controller {

// One named rule as written, and where: "policy.yaml:12", or "default".
struct PolicyRuleSource {
  std::string name;
  std::string text;
  std::string origin;
};

// A complete policy: Nova's defaults with an operator's overrides, parsed,
// every `rule:` reference resolved. Immutable once built, so one instance is
// shared by every request thread (PolicyEnforcer swaps whole sets).
class PolicyRuleSet {
 public:
  // `defaults`, then `overrides` in order: a later rule of the same name
  // replaces an earlier one. INVALID_ARGUMENT naming the origin and the rule
  // ("policy.yaml:3: rule 'a': word 2: ...") for a syntax error, a cycle of
  // `rule:` references, or a chain of them deeper than kMaxRuleDepth.
  static absl::StatusOr<PolicyRuleSet> Build(
      const std::vector<PolicyRuleSource>& defaults,
      const std::vector<PolicyRuleSource>& overrides);

  static constexpr int kMaxRuleDepth = 16;

  // Whether `rule` allows `credentials` on `target`. A rule that is not
  // defined allows nobody.
  bool Allows(std::string_view rule, const PolicyCredentials& credentials,
              const PolicyTarget& target) const;

  // Nova's is_admin: `context_is_admin` checked with the caller's own
  // credentials (is_admin false) as the target.
  bool IsAdmin(const PolicyCredentials& credentials) const;

  // Override names that are neither defaults nor named by a `rule:` check:
  // rules Porthole never checks (a typo, or one for another Nova API).
  const std::vector<std::string>& unused_overrides() const {
    return unused_overrides_;
  }
  // "name (origin)" of every `rule:` reference to an undefined rule.
  const std::vector<std::string>& undefined_references() const {
    return undefined_references_;
  }
  // The rule as it will be evaluated, for logs and tests; "" if undefined.
  std::string Describe(std::string_view rule) const;

 private:
  struct Compiled {
    std::string name;
    std::string origin;
    PolicyExpr expr;
  };

  absl::Status Add(const PolicyRuleSource& source);
  absl::Status Resolve();
  void FindUnusedOverrides(const std::vector<PolicyRuleSource>& defaults,
                           const std::vector<PolicyRuleSource>& overrides);
  absl::Status MeasureDepth(int index, std::vector<int>& depth,
                            std::vector<int>& path) const;
  bool Evaluate(const PolicyExpr& expr, const PolicyCredentials& credentials,
                const PolicyTarget& target) const;

  std::vector<Compiled> rules_;
  std::map<std::string, int, std::less<>> index_;
  std::vector<std::vector<int>> references_;  // rule i's rule: targets
  std::vector<std::string> unused_overrides_;
  std::vector<std::string> undefined_references_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_POLICY_RULE_SET_H_
