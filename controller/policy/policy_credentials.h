#ifndef PORTHOLE_CONTROLLER_POLICY_POLICY_CREDENTIALS_H_
#define PORTHOLE_CONTROLLER_POLICY_POLICY_CREDENTIALS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace porthole::controller {

// What a rule knows about the caller, as oslo.policy's `creds` for Nova:
// the keys a generic check (`user_id:...`, `is_admin:True`) can name are
// user_id, project_id, roles and is_admin. Roles include the implied ones.
struct PolicyCredentials {
  std::string user_id;
  std::string project_id;
  std::vector<std::string> roles;
  bool is_admin = false;  // Nova: the caller passes `context_is_admin`
};

// What a rule is checked against: the resource's owner, as Nova passes
// {'project_id': ..., 'user_id': ...}. `%(project_id)s` and `%(user_id)s`
// name these; an empty value is "absent", so a check on it never matches.
struct PolicyTarget {
  std::string project_id;
  std::string user_id;

  std::optional<std::string_view> Find(std::string_view key) const {
    const std::string* value = nullptr;
    if (key == "project_id") value = &project_id;
    if (key == "user_id") value = &user_id;
    if (value == nullptr || value->empty()) return std::nullopt;
    return std::string_view(*value);
  }
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_POLICY_CREDENTIALS_H_
