#include "controller/policy/policy_expr.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace porthole::controller {
namespace {

// Walks `match`, handing literal pieces and %(key)s names to the callbacks.
// INVALID_ARGUMENT at a '%' that starts neither %(key)s nor %%.
template <typename OnText, typename OnKey>
absl::Status ScanTemplate(std::string_view match, OnText on_text,
                          OnKey on_key) {
  size_t i = 0;
  while (i < match.size()) {
    const size_t percent = match.find('%', i);
    if (percent == std::string_view::npos) {
      on_text(match.substr(i));
      return absl::OkStatus();
    }
    on_text(match.substr(i, percent - i));
    std::string_view rest = match.substr(percent);
    if (rest.starts_with("%%")) {
      on_text("%");
      i = percent + 2;
      continue;
    }
    const size_t close = rest.find(")s");
    if (!rest.starts_with("%(") || close == std::string_view::npos ||
        close == 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", std::string(match), "': a '%' must start %(key)s or %%"));
    }
    if (!on_key(rest.substr(2, close - 2))) return absl::OkStatus();
    i = percent + close + 2;
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<std::string> ExpandTargetTemplate(std::string_view match,
                                                const PolicyTarget& target) {
  if (match.find('%') == std::string_view::npos) return std::string(match);
  std::string out;
  bool missing = false;
  absl::Status s = ScanTemplate(
      match, [&](std::string_view text) { out.append(text); },
      [&](std::string_view key) {
        std::optional<std::string_view> value = target.Find(key);
        if (!value.has_value()) {
          missing = true;
          return false;
        }
        out.append(*value);
        return true;
      });
  if (!s.ok() || missing) return std::nullopt;
  return out;
}

absl::Status ValidateTargetTemplate(std::string_view match) {
  return ScanTemplate(
      match, [](std::string_view) {}, [](std::string_view) { return true; });
}

std::string DescribePolicyExpr(const PolicyExpr& expr) {
  using Kind = PolicyExpr::Kind;
  switch (expr.kind) {
    case Kind::kAllow:
      return "@";
    case Kind::kDeny:
      return "!";
    case Kind::kNot:
      return absl::StrCat("not ", DescribePolicyExpr(expr.children.at(0)));
    case Kind::kAnd:
    case Kind::kOr: {
      std::vector<std::string> parts;
      for (const PolicyExpr& child : expr.children) {
        parts.push_back(DescribePolicyExpr(child));
      }
      return absl::StrCat(
          "(", absl::StrJoin(parts, expr.kind == Kind::kAnd ? " and " : " or "),
          ")");
    }
    case Kind::kRole:
      return absl::StrCat("role:", expr.match);
    case Kind::kRule:
      return absl::StrCat("rule:", expr.key);
    case Kind::kGeneric:
      return absl::StrCat(expr.key, ":", expr.match);
  }
  return "?";
}

}  // namespace porthole::controller
