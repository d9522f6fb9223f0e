#ifndef PORTHOLE_CONTROLLER_API_POLICY_H_
#define PORTHOLE_CONTROLLER_API_POLICY_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controller/auth/authenticator.h"
#include "controller/fleet/server_directory.h"

namespace porthole::controller {

// Nova's default policies for the routes Porthole serves, and who may see
// which server. Roles imply each other as Keystone's default implied roles
// do: admin -> member -> reader.

inline constexpr char kRemoteConsolesPolicy[] =
    "os_compute_api:os-remote-consoles";
inline constexpr char kConsoleAuthTokensPolicy[] =
    "os_compute_api:os-console-auth-tokens";
inline constexpr char kServersIndexPolicy[] = "os_compute_api:servers:index";
inline constexpr char kServersDetailPolicy[] = "os_compute_api:servers:detail";
inline constexpr char kServersShowPolicy[] = "os_compute_api:servers:show";
inline constexpr char kServersIndexAllTenantsPolicy[] =
    "os_compute_api:servers:index:get_all_tenants";
inline constexpr char kServersDetailAllTenantsPolicy[] =
    "os_compute_api:servers:detail:get_all_tenants";

bool HasRoleOrImplied(const Principal& principal, std::string_view role);

// PERMISSION_DENIED "Policy doesn't allow <policy> to be performed." unless
// the principal is admin, or has `role` (or one implying it) in
// `target_project` (which must be non-empty to match).
absl::Status CheckProjectRoleOrAdmin(const Principal& principal,
                                     std::string_view role,
                                     std::string_view target_project,
                                     std::string_view policy);
// The same for `role:admin` alone (context_is_admin).
absl::Status CheckAdmin(const Principal& principal, std::string_view policy);

// The project a server belongs to: its Nova owner, else `default_project`
// (which may be empty: then the server belongs to no project).
std::string EffectiveProject(const Server& server,
                             const std::string& default_project);

// Admins see every server; others only those of their own project.
bool CanSee(const Principal& principal, const Server& server,
            const std::string& default_project);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_POLICY_H_
