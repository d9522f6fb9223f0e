#include "controller/policy/nova_policy_defaults.h"

#include <utility>

namespace porthole::controller {

std::vector<PolicyRuleSource> NovaPolicyDefaults() {
  constexpr char kAdmin[] = "rule:context_is_admin";
  constexpr char kMemberOrAdmin[] = "rule:project_member_or_admin";
  constexpr char kReaderOrAdmin[] = "rule:project_reader_or_admin";
  const std::vector<std::pair<const char*, const char*>> rules = {
      // Base rules (nova/policies/base.py). admin_or_owner and admin_api are
      // deprecated in Nova but still defined; operators' files name them.
      {kContextIsAdminRule, "role:admin"},
      {"admin_or_owner", "is_admin:True or project_id:%(project_id)s"},
      {"admin_api", "is_admin:True"},
      {"project_manager_api", "role:manager and project_id:%(project_id)s"},
      {"project_member_api", "role:member and project_id:%(project_id)s"},
      {"project_reader_api", "role:reader and project_id:%(project_id)s"},
      {"project_manager_or_admin",
       "rule:project_manager_api or rule:context_is_admin"},
      {"project_member_or_admin",
       "rule:project_member_api or rule:context_is_admin"},
      {"project_reader_or_admin",
       "rule:project_reader_api or rule:context_is_admin"},
      // The API rules Porthole checks.
      {kRemoteConsolesPolicy, kMemberOrAdmin},
      {kConsoleOutputPolicy, kMemberOrAdmin},
      {kConsoleAuthTokensPolicy, kAdmin},
      {kServersIndexPolicy, kReaderOrAdmin},
      {kServersDetailPolicy, kReaderOrAdmin},
      {kServersShowPolicy, kReaderOrAdmin},
      {kServersIndexAllTenantsPolicy, kAdmin},
      {kServersDetailAllTenantsPolicy, kAdmin},
      {kExtendedServerAttributesPolicy, kAdmin},
      // Porthole's admin API: who may see and end live console sessions.
      {kConsoleSessionsListPolicy, kAdmin},
      {kConsoleSessionsDeletePolicy, kAdmin},
  };
  std::vector<PolicyRuleSource> sources;
  sources.reserve(rules.size());
  for (const auto& [name, text] : rules) {
    sources.push_back({name, text, "default"});
  }
  return sources;
}

}  // namespace porthole::controller
