#include "controller/api/policy.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "controller/api/request_context.h"

namespace porthole::controller {

PolicyCredentials CredentialsOf(const Principal& principal,
                                const PolicyRuleSet& rules) {
  // The principal's roles already hold the implied ones (Keystone's tokens
  // list them; the other authenticators add Keystone's defaults).
  PolicyCredentials credentials{principal.user_id, principal.project_id,
                                principal.roles, false};
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
