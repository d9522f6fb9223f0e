#include "controller/api/policy.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "controller/api/request_context.h"

namespace porthole::controller {
namespace {

bool Holds(const std::vector<std::string>& roles, std::string_view role) {
  for (const std::string& held : roles) {
    if (absl::EqualsIgnoreCase(held, ToAbsl(role))) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> WithImpliedRoles(std::vector<std::string> roles) {
  // Each role with the one it implies, in the order of the chain.
  constexpr std::pair<const char*, const char*> kImplies[] = {
      {"admin", "member"}, {"member", "reader"}};
  for (const auto& [role, implied] : kImplies) {
    if (Holds(roles, role) && !Holds(roles, implied)) {
      roles.emplace_back(implied);
    }
  }
  return roles;
}

PolicyCredentials CredentialsOf(const Principal& principal,
                                const PolicyRuleSet& rules) {
  PolicyCredentials credentials{principal.user_id, principal.project_id,
                                WithImpliedRoles(principal.roles), false};
  credentials.is_admin = rules.IsAdmin(credentials);
  return credentials;
}

std::string EffectiveProject(const Server& server,
                             const std::string& default_project) {
  if (!server.domain.project_id().empty()) return server.domain.project_id();
  return default_project;
}

PolicyTarget ServerTarget(const Server& server,
                          const std::string& default_project) {
  return {EffectiveProject(server, default_project), server.domain.user_id()};
}

PolicyTarget CallerTarget(const RequestContext& context) {
  return {context.principal.project_id, context.principal.user_id};
}

absl::Status Authorize(const RequestContext& context, std::string_view rule,
                       const PolicyTarget& target) {
  if (context.policy->Allows(rule, context.credentials, target)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "Policy doesn't allow ", std::string(rule), " to be performed."));
}

bool CanSee(const RequestContext& context, const Server& server,
            const std::string& default_project) {
  if (context.credentials.is_admin) return true;
  const std::string project = EffectiveProject(server, default_project);
  return !project.empty() && project == context.credentials.project_id;
}

}  // namespace porthole::controller
