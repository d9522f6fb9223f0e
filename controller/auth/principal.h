#ifndef PORTHOLE_CONTROLLER_AUTH_PRINCIPAL_H_
#define PORTHOLE_CONTROLLER_AUTH_PRINCIPAL_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace porthole::controller {

// Who is calling, as keystonemiddleware tells Nova (its X-User-Id,
// X-Project-Id, X-Roles, ... headers). Every authenticator fills user_id and
// roles; the rest is what a Keystone token says. Plain data.
struct Principal {
  std::string user_id;
  std::string user_name;       // Keystone only
  std::string user_domain_id;  // Keystone only
  // The project the token is scoped to; empty for a domain- or
  // system-scoped token (which then matches no project).
  std::string project_id;
  std::string project_name;       // Keystone only
  std::string project_domain_id;  // Keystone only
  std::string domain_id;          // set for a domain-scoped token
  bool system_scope = false;      // a system-scoped token (system: all)
  // Role names, implied roles included (admin => member => reader for the
  // file and noauth2 principals, whatever Keystone says for its tokens), so
  // that policy matches a role by name alone.
  std::vector<std::string> roles;
  // Unix seconds when the token stops being valid; 0: it does not expire.
  int64_t expires_at = 0;
  // Keystone only: the token's audit ids (its own, and the first of its
  // rescope chain) and when it was issued (unix seconds): what Keystone's
  // revocation events name.
  std::string audit_id;
  std::string audit_chain_id;
  int64_t issued_at = 0;

  bool HasRole(std::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
  bool is_admin() const { return HasRole("admin"); }
};

// `roles` with Keystone's default implied roles added after them, as a
// Keystone token lists them: admin implies member, member implies reader.
// Order kept, no duplicates. Pure.
std::vector<std::string> WithDefaultImpliedRoles(
    std::vector<std::string> roles);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_AUTH_PRINCIPAL_H_
