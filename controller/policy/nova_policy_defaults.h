#ifndef PORTHOLE_CONTROLLER_POLICY_NOVA_POLICY_DEFAULTS_H_
#define PORTHOLE_CONTROLLER_POLICY_NOVA_POLICY_DEFAULTS_H_

#include <vector>

#include "controller/policy/policy_rule_set.h"

namespace porthole::controller {

// The rules Porthole checks, by Nova's names.
// POST remote-consoles (2.6+) and the legacy actions os-getVNCConsole,
// os-getSPICEConsole, os-getSerialConsole, os-getRDPConsole: Nova checks
// this one rule for all of them (it has no rule per action).
inline constexpr char kRemoteConsolesPolicy[] =
    "os_compute_api:os-remote-consoles";
// POST /servers/{id}/action os-getConsoleOutput, at every microversion.
inline constexpr char kConsoleOutputPolicy[] =
    "os_compute_api:os-console-output";
inline constexpr char kConsoleAuthTokensPolicy[] =
    "os_compute_api:os-console-auth-tokens";
inline constexpr char kServersIndexPolicy[] = "os_compute_api:servers:index";
inline constexpr char kServersDetailPolicy[] = "os_compute_api:servers:detail";
inline constexpr char kServersShowPolicy[] = "os_compute_api:servers:show";
inline constexpr char kServersIndexAllTenantsPolicy[] =
    "os_compute_api:servers:index:get_all_tenants";
inline constexpr char kServersDetailAllTenantsPolicy[] =
    "os_compute_api:servers:detail:get_all_tenants";
// OS-EXT-SRV-ATTR:host and :instance_name in server details.
inline constexpr char kExtendedServerAttributesPolicy[] =
    "os_compute_api:os-extended-server-attributes";
// Porthole's own rules (its admin API, outside Nova's namespace).
inline constexpr char kConsoleSessionsListPolicy[] =
    "porthole:console_sessions:list";
inline constexpr char kConsoleSessionsDeletePolicy[] =
    "porthole:console_sessions:delete";
// What makes a caller an admin (Nova's context.is_admin).
inline constexpr char kContextIsAdminRule[] = "context_is_admin";

// Nova's defaults (2024.x) for the rules above and the base rules they are
// written in (context_is_admin, admin_or_owner, admin_api,
// project_{manager,member,reader}_api, project_{manager,member,reader}_
// or_admin), plus Porthole's own rules (admin only), with origin
// "default". With these alone the API decides as
// Nova does out of the box.
std::vector<PolicyRuleSource> NovaPolicyDefaults();

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_NOVA_POLICY_DEFAULTS_H_
