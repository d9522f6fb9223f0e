#ifndef PORTHOLE_CONTROLLER_API_SERVERS_VIEW_H_
#define PORTHOLE_CONTROLLER_API_SERVERS_VIEW_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/api/json_body.h"
#include "controller/api/request_context.h"

namespace porthole::controller {

// The read-only server routes clients call before asking for a console
// (`openstack console url show NAME` looks the name up first):
//   GET /servers         {"servers": [{"id", "links", "name"}]}
//   GET /servers/detail  {"servers": [<server>]}
//   GET /servers/{id}    {"server": <server>}
// where <server> has id, name, status, tenant_id, user_id, links (self and
// bookmark) and, for admins, OS-EXT-SRV-ATTR:host and :instance_name.
// Non-admins see only their project's servers; admins see all of them.
// `?name=` filters by substring ("^" and "$" anchor it; no other regex
// syntax); other query parameters are ignored.

absl::StatusOr<Json> ListServers(const RequestContext& context, bool detail,
                                 const ApiServices& services);
absl::StatusOr<Json> ShowServer(const RequestContext& context,
                                std::string_view id,
                                const ApiServices& services);

// Nova's display name when the domain has one, else libvirt's name.
std::string ServerName(const Server& server);
// ACTIVE, PAUSED, SHUTOFF, ERROR (crashed), SUSPENDED or UNKNOWN.
std::string_view ServerStatus(const Server& server);
// The `?name=` rule above.
bool NameMatches(std::string_view name, std::string_view pattern);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_SERVERS_VIEW_H_
