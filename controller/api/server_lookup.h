#ifndef PORTHOLE_CONTROLLER_API_SERVER_LOOKUP_H_
#define PORTHOLE_CONTROLLER_API_SERVER_LOOKUP_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "controller/api/request_context.h"

namespace porthole::controller {

// True for a UUID in 8-4-4-4-12 hex form (either case).
bool LooksLikeUuid(std::string_view text);

// The server `id` names, if the caller may see it. NOT_FOUND
// "Instance <id> could not be found." for a non-UUID id (without asking the
// directory, whose miss path fans out to every agent), an unknown one, and
// one of another project (as Nova: a foreign server does not exist).
absl::StatusOr<Server> FindVisibleServer(const RequestContext& context,
                                         std::string_view id,
                                         const ApiServices& services);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_SERVER_LOOKUP_H_
