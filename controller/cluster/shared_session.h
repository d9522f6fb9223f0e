#ifndef PORTHOLE_CONTROLLER_CLUSTER_SHARED_SESSION_H_
#define PORTHOLE_CONTROLLER_CLUSTER_SHARED_SESSION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/sessions/console_session_registry.h"

namespace porthole::controller {

// A live console session as its replica publishes it under
// PREFIX/sessions/live/ID: a JSON object of the listing's fields (id,
// server_id, console_type, user_id, project_id, client_address, origin,
// backend, replica, started_ns, bytes_up, bytes_down), readable with
// etcdctl. The token hash stays on its replica (revocations reach every
// replica through the token store already).
std::string EncodeSharedSession(const ConsoleSessionSnapshot& session);
// INVALID_ARGUMENT when `value` is not such an object.
absl::StatusOr<ConsoleSessionSnapshot> DecodeSharedSession(
    std::string_view value);

// A request to every replica to end sessions, under PREFIX/sessions/ends/
// (the admin API's DELETEs): one session by id, or every session of a
// server. The value names the replica that asked, for whoever reads etcd.
struct SessionEndRequest {
  enum class Scope { kSession, kServer };
  Scope scope = Scope::kSession;
  std::string id;  // the session's id or the server's uuid
};
// The key of `request` below `ends_prefix`.
std::string SessionEndKey(const std::string& ends_prefix,
                          const SessionEndRequest& request);
// INVALID_ARGUMENT when `key` is not such a key below `ends_prefix`.
absl::StatusOr<SessionEndRequest> ParseSessionEndKey(
    std::string_view ends_prefix, std::string_view key);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_SHARED_SESSION_H_
