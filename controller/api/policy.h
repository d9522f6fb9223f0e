#ifndef PORTHOLE_CONTROLLER_API_POLICY_H_
#define PORTHOLE_CONTROLLER_API_POLICY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "controller/auth/authenticator.h"
#include "controller/fleet/server_directory.h"
#include "controller/policy/nova_policy_defaults.h"
#include "controller/policy/policy_credentials.h"
#include "controller/policy/policy_rule_set.h"

namespace porthole::controller {

struct RequestContext;

// The API's side of the policy (controller/policy/ is the engine): who the
// caller is to the rules, what each route is checked against, and Nova's
// 403. Pure.

// The caller as a rule sees it: the principal's ids and roles (implied ones
// included, see Principal), and is_admin as Nova computes it
// (`context_is_admin`).
PolicyCredentials CredentialsOf(const Principal& principal,
                                const PolicyRuleSet& rules);

// The project a server belongs to: its Nova owner, else `default_project`
// (which may be empty: then the server belongs to no project).
std::string EffectiveProject(const Server& server,
                             const std::string& default_project);

// What a rule on a server is checked against: its project and user.
PolicyTarget ServerTarget(const Server& server,
                          const std::string& default_project);
// Nova's target when a route names no resource: the caller's own project.
PolicyTarget CallerTarget(const RequestContext& context);

// OK when the request's policy lets its caller do `rule` on `target`; else
// PERMISSION_DENIED "Policy doesn't allow <rule> to be performed." (403).
absl::Status Authorize(const RequestContext& context, std::string_view rule,
                       const PolicyTarget& target);

// Whether a lookup or listing may show the server at all: admins
// (context_is_admin) see every server, others only their project's, as
// Nova's database query does. A server they cannot see is 404, never 403;
// the reader rules (servers:show, ...) then decide what they may do with
// one they can see.
bool CanSee(const RequestContext& context, const Server& server,
            const std::string& default_project);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_POLICY_H_
