#ifndef PORTHOLE_CONTROLLER_POLICY_POLICY_EXPR_H_
#define PORTHOLE_CONTROLLER_POLICY_POLICY_EXPR_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "controller/policy/policy_credentials.h"

namespace porthole::controller {

// One parsed oslo.policy rule: a tree of checks joined by and/or/not.
// Plain data, built by ParsePolicyRule; PolicyRuleSet resolves `rule:`
// references (rule_index) and evaluates it.
struct PolicyExpr {
  enum class Kind {
    kAllow,    // `@`, or the empty rule
    kDeny,     // `!`
    kAnd,      // children[0] and children[1] and ...
    kOr,       // children[0] or children[1] or ...
    kNot,      // not children[0]
    kRole,     // role:<match>, case-insensitive as in oslo
    kRule,     // rule:<name>
    kGeneric,  // <key>:<match>: a credential (or a 'quoted literal')
  };
  Kind kind = Kind::kAllow;
  // kRule: the rule's name. kGeneric: the credential key, or a quoted
  // literal with its quotes.
  std::string key;
  // kRole, kGeneric: the value, possibly with %(target_key)s templates.
  std::string match;
  std::vector<PolicyExpr> children;
  // kRule: the rule's index in its PolicyRuleSet; -1 when undefined (an
  // undefined rule never passes, as in oslo).
  int rule_index = -1;
};

// `match` with every %(key)s replaced by the target's value and %% by %.
// nullopt when a key is absent from the target (the check then fails, as
// oslo's KeyError does).
std::optional<std::string> ExpandTargetTemplate(std::string_view match,
                                                const PolicyTarget& target);

// INVALID_ARGUMENT unless every '%' in `match` starts %(key)s or %%.
absl::Status ValidateTargetTemplate(std::string_view match);

// A fully parenthesised rendering, for tests and logs:
// "(role:a or (role:b and not role:c))".
std::string DescribePolicyExpr(const PolicyExpr& expr);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_POLICY_EXPR_H_
