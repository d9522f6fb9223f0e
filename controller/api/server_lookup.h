#ifndef PORTHOLE_CONTROLLER_API_SERVER_LOOKUP_H_
#define PORTHOLE_CONTROLLER_API_SERVER_LOOKUP_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "controller/api/request_context.h"

namespace porthole::controller {

// The server `id` names, if the caller may see it. NOT_FOUND
// "Instance <id> could not be found." for a non-UUID id (without asking the
// directory: names never reach the agents, and Nova answers 404 for them
// too), an unknown one, and one of another project (as Nova: a foreign
// server does not exist). UNAVAILABLE (503) when the directory cannot tell
// because a compute host is down or still syncing: admins read which hosts,
// others only that one is unreachable.
absl::StatusOr<Server> FindVisibleServer(const RequestContext& context,
                                         std::string_view id,
                                         const ApiServices& services);

// FindVisibleServer, then the policy `rule` against the found server's
// project (403): the order of Nova's handlers that load the instance before
// they authorize.
absl::StatusOr<Server> FindAuthorizedServer(const RequestContext& context,
                                            std::string_view id,
                                            std::string_view rule,
                                            const ApiServices& services);

// UNAVAILABLE (503) for a found server whose compute host cannot be asked
// now: admins read the host's name (Nova's OS-EXT-SRV-ATTR:host is
// admin-only), others only that the instance's host is unreachable.
absl::Status HostUnreachable(const RequestContext& context,
                             const Server& server);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_SERVER_LOOKUP_H_
