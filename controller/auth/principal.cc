#include "controller/auth/principal.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "common/text.h"

namespace porthole::controller {
namespace {

// Keystone's bootstrap creates these implications; a deployment may add
// more, which only Keystone itself (through its tokens) knows about.
constexpr std::pair<std::string_view, std::string_view> kDefaultImplications[] =
    {{"admin", "member"}, {"member", "reader"}};

}  // namespace

std::vector<std::string> WithDefaultImpliedRoles(
    std::vector<std::string> roles) {
  // Role names match without regard to case, as oslo.policy matches them.
  auto has = [&roles](std::string_view role) {
    return std::any_of(roles.begin(), roles.end(), [&](const std::string& r) {
      return absl::EqualsIgnoreCase(r, ToAbsl(role));
    });
  };
  // The chain is short and ordered, so one pass adds every implied role.
  for (const auto& [prior, implied] : kDefaultImplications) {
    if (has(prior) && !has(implied)) roles.emplace_back(implied);
  }
  return roles;
}

}  // namespace porthole::controller
