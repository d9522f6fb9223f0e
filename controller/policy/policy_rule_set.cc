#include "controller/policy/policy_rule_set.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/policy/policy_rule_parser.h"

namespace porthole::controller {
namespace {

bool IsQuotedLiteral(std::string_view key) {
  return key.size() >= 2 && (key.front() == '\'' || key.front() == '"') &&
         key.back() == key.front();
}

// A generic check's credential: the value a `key:match` check compares.
bool CredentialMatches(std::string_view key, const std::string& value,
                       const PolicyCredentials& credentials) {
  if (IsQuotedLiteral(key)) return key.substr(1, key.size() - 2) == value;
  if (key == "user_id") {
    return !credentials.user_id.empty() && credentials.user_id == value;
  }
  if (key == "project_id") {
    return !credentials.project_id.empty() && credentials.project_id == value;
  }
  if (key == "is_admin")
    return value == (credentials.is_admin ? "True" : "False");
  if (key == "roles") {
    for (const std::string& role : credentials.roles) {
      if (role == value) return true;
    }
  }
  return false;  // a credential Porthole does not have
}

// Calls `visit` on every kRule node of `expr`.
template <typename Visit>
void ForEachReference(PolicyExpr& expr, const Visit& visit) {
  if (expr.kind == PolicyExpr::Kind::kRule) visit(expr);
  for (PolicyExpr& child : expr.children) ForEachReference(child, visit);
}

}  // namespace

absl::StatusOr<PolicyRuleSet> PolicyRuleSet::Build(
    const std::vector<PolicyRuleSource>& defaults,
    const std::vector<PolicyRuleSource>& overrides) {
  PolicyRuleSet built;
  for (const std::vector<PolicyRuleSource>* sources : {&defaults, &overrides}) {
    for (const PolicyRuleSource& source : *sources) {
      if (absl::Status s = built.Add(source); !s.ok()) return s;
    }
  }
  if (absl::Status s = built.Resolve(); !s.ok()) return s;
  built.FindUnusedOverrides(defaults, overrides);
  return built;
}

absl::Status PolicyRuleSet::Add(const PolicyRuleSource& source) {
  absl::StatusOr<PolicyExpr> expr = ParsePolicyRule(source.text);
  if (!expr.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source.origin, ": rule '", source.name,
                     "': ", expr.status().message()));
  }
  Compiled compiled{source.name, source.origin, *std::move(expr)};
  auto [it, added] =
      index_.emplace(source.name, static_cast<int>(rules_.size()));
  if (added) {
    rules_.push_back(std::move(compiled));
  } else {
    rules_[it->second] = std::move(compiled);
  }
  return absl::OkStatus();
}

void PolicyRuleSet::FindUnusedOverrides(
    const std::vector<PolicyRuleSource>& defaults,
    const std::vector<PolicyRuleSource>& overrides) {
  std::set<std::string, std::less<>> known;  // defaults and referenced
  for (const PolicyRuleSource& source : defaults) known.insert(source.name);
  for (Compiled& rule : rules_) {
    ForEachReference(rule.expr, [&](const PolicyExpr& reference) {
      known.insert(reference.key);
    });
  }
  for (const PolicyRuleSource& source : overrides) {
    // Inserted once reported, so a name in two files is reported once.
    if (known.insert(source.name).second) {
      unused_overrides_.push_back(source.name);
    }
  }
}

absl::Status PolicyRuleSet::Resolve() {
  references_.assign(rules_.size(), {});
  for (size_t i = 0; i < rules_.size(); ++i) {
    ForEachReference(rules_[i].expr, [&](PolicyExpr& reference) {
      auto it = index_.find(reference.key);
      if (it == index_.end()) {
        undefined_references_.push_back(
            absl::StrCat(reference.key, " (", rules_[i].origin, " rule '",
                         rules_[i].name, "')"));
        return;
      }
      reference.rule_index = it->second;
      references_[i].push_back(it->second);
    });
  }
  std::vector<int> depth(rules_.size(), 0);  // 0: not yet, -1: on the path
  std::vector<int> path;
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (absl::Status s = MeasureDepth(static_cast<int>(i), depth, path);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Depth-first over `rule:` references: a rule met again on the current path
// is a cycle; depth[i] is the longest chain below rule i, counted once.
absl::Status PolicyRuleSet::MeasureDepth(int index, std::vector<int>& depth,
                                         std::vector<int>& path) const {
  if (depth[index] > 0) return absl::OkStatus();
  if (depth[index] < 0) {
    std::vector<std::string> names;
    bool on_cycle = false;
    for (int step : path) {
      on_cycle = on_cycle || step == index;
      if (on_cycle) names.push_back(rules_[step].name);
    }
    names.push_back(rules_[index].name);
    const Compiled& closer = rules_[path.back()];  // its rule: goes back
    return absl::InvalidArgumentError(absl::StrCat(
        closer.origin, ": rule '", closer.name,
        "' closes a cycle of rule: checks: ", absl::StrJoin(names, " -> ")));
  }
  depth[index] = -1;
  path.push_back(index);
  int deepest = 0;
  for (int next : references_[index]) {
    if (absl::Status s = MeasureDepth(next, depth, path); !s.ok()) return s;
    deepest = std::max(deepest, depth[next]);
  }
  path.pop_back();
  depth[index] = deepest + 1;
  if (depth[index] > kMaxRuleDepth) {
    return absl::InvalidArgumentError(absl::StrCat(
        rules_[index].origin, ": rule '", rules_[index].name, "': more than ",
        kMaxRuleDepth, " rules deep through rule: checks"));
  }
  return absl::OkStatus();
}

bool PolicyRuleSet::Allows(std::string_view rule,
                           const PolicyCredentials& credentials,
                           const PolicyTarget& target) const {
  auto it = index_.find(rule);
  if (it == index_.end()) return false;
  return Evaluate(rules_[it->second].expr, credentials, target);
}

bool PolicyRuleSet::IsAdmin(const PolicyCredentials& credentials) const {
  PolicyCredentials plain = credentials;
  plain.is_admin = false;
  const PolicyTarget own{credentials.project_id, credentials.user_id};
  return Allows("context_is_admin", plain, own);
}

std::string PolicyRuleSet::Describe(std::string_view rule) const {
  auto it = index_.find(rule);
  if (it == index_.end()) return "";
  return DescribePolicyExpr(rules_[it->second].expr);
}

bool PolicyRuleSet::Evaluate(const PolicyExpr& expr,
                             const PolicyCredentials& credentials,
                             const PolicyTarget& target) const {
  using Kind = PolicyExpr::Kind;
  switch (expr.kind) {
    case Kind::kAllow:
      return true;
    case Kind::kDeny:
      return false;
    case Kind::kAnd:
      for (const PolicyExpr& child : expr.children) {
        if (!Evaluate(child, credentials, target)) return false;
      }
      return true;
    case Kind::kOr:
      for (const PolicyExpr& child : expr.children) {
        if (Evaluate(child, credentials, target)) return true;
      }
      return false;
    case Kind::kNot:
      return !Evaluate(expr.children.at(0), credentials, target);
    case Kind::kRule:
      return expr.rule_index >= 0 &&
             Evaluate(rules_[expr.rule_index].expr, credentials, target);
    case Kind::kRole: {
      std::optional<std::string> role =
          ExpandTargetTemplate(expr.match, target);
      if (!role.has_value()) return false;
      for (const std::string& held : credentials.roles) {
        if (absl::EqualsIgnoreCase(held, *role)) return true;
      }
      return false;
    }
    case Kind::kGeneric: {
      std::optional<std::string> value =
          ExpandTargetTemplate(expr.match, target);
      return value.has_value() &&
             CredentialMatches(expr.key, *value, credentials);
    }
  }
  return false;
}

}  // namespace porthole::controller
