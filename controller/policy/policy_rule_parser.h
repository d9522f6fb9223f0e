#ifndef PORTHOLE_CONTROLLER_POLICY_POLICY_RULE_PARSER_H_
#define PORTHOLE_CONTROLLER_POLICY_POLICY_RULE_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "controller/policy/policy_expr.h"

namespace porthole::controller {

// Parses one rule of oslo.policy's language (the "check string"):
//   rule   := or
//   or     := and ("or" and)*          lowest precedence
//   and    := not ("and" not)*
//   not    := "not" not | "(" or ")" | check
//   check  := "@" | "!" | "role:" X | "rule:" NAME | KEY ":" VALUE
// Words are separated by whitespace; "(" may open and ")" close a word, as
// oslo splits them; and/or/not are case-insensitive. The empty rule allows,
// as in oslo. VALUE may hold %(target_key)s templates. Pure.
//
// INVALID_ARGUMENT says what is wrong and where ("word 3: ..."); callers add
// the rule's name and file line. Unlike oslo, a word it cannot understand
// (oslo's silent "never passes") is an error, and so are http:/https:
// checks, which Porthole does not make.
absl::StatusOr<PolicyExpr> ParsePolicyRule(std::string_view text);

// Deeper nesting of parentheses and `not` than this is refused.
inline constexpr int kMaxPolicyRuleNesting = 32;

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_POLICY_RULE_PARSER_H_
