#include "controller/api/policy.h"

#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

absl::Status Denied(std::string_view policy) {
  return absl::PermissionDeniedError(absl::StrCat(
      "Policy doesn't allow ", std::string(policy), " to be performed."));
}

}  // namespace

bool HasRoleOrImplied(const Principal& principal, std::string_view role) {
  if (principal.HasRole(role) || principal.is_admin()) return true;
  return role == "reader" && principal.HasRole("member");
}

absl::Status CheckProjectRoleOrAdmin(const Principal& principal,
                                     std::string_view role,
                                     std::string_view target_project,
                                     std::string_view policy) {
  if (principal.is_admin()) return absl::OkStatus();
  if (HasRoleOrImplied(principal, role) && !target_project.empty() &&
      principal.project_id == target_project) {
    return absl::OkStatus();
  }
  return Denied(policy);
}

absl::Status CheckAdmin(const Principal& principal, std::string_view policy) {
  if (principal.is_admin()) return absl::OkStatus();
  return Denied(policy);
}

std::string EffectiveProject(const Server& server,
                             const std::string& default_project) {
  if (!server.domain.project_id().empty()) return server.domain.project_id();
  return default_project;
}

bool CanSee(const Principal& principal, const Server& server,
            const std::string& default_project) {
  if (principal.is_admin()) return true;
  std::string project = EffectiveProject(server, default_project);
  return !project.empty() && project == principal.project_id;
}

}  // namespace porthole::controller
