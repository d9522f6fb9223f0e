#ifndef PORTHOLE_CONTROLLER_SESSIONS_SESSION_DIRECTORY_H_
#define PORTHOLE_CONTROLLER_SESSIONS_SESSION_DIRECTORY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_end.h"

namespace porthole::controller {

// The live console sessions of every replica, as the admin API sees them:
// LocalSessionDirectory when this replica is alone, EtcdSessionDirectory
// (controller/cluster) when replicas share an etcd. Implementations are
// thread-safe.
class SessionDirectory {
 public:
  enum class EndOutcome {
    kEnded,      // the session is gone
    kRequested,  // another replica was asked and has not confirmed yet
    kNotFound,   // no live session has that id
  };

  virtual ~SessionDirectory() = default;

  // The sessions matching `filter`, oldest first; byte counts of another
  // replica's sessions may be as old as its refresh interval.
  // UNAVAILABLE when the shared store cannot be read.
  virtual absl::StatusOr<std::vector<ConsoleSessionSnapshot>> List(
      const ConsoleSessionFilter& filter) = 0;
  // Ends session `id` on whichever replica relays it.
  virtual absl::StatusOr<EndOutcome> End(const std::string& id,
                                         SessionEnd why) = 0;
  // Ends every session of `server_id` on every replica; how many there
  // were (here, and elsewhere as last published).
  virtual absl::StatusOr<size_t> EndForServer(const std::string& server_id,
                                              SessionEnd why) = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_SESSION_DIRECTORY_H_
