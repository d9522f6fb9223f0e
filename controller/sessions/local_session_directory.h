#ifndef PORTHOLE_CONTROLLER_SESSIONS_LOCAL_SESSION_DIRECTORY_H_
#define PORTHOLE_CONTROLLER_SESSIONS_LOCAL_SESSION_DIRECTORY_H_

#include <string>
#include <vector>

#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_directory.h"

namespace porthole::controller {

// The sessions of a replica that is alone (no shared store): its own
// registry, which must outlive this.
class LocalSessionDirectory : public SessionDirectory {
 public:
  explicit LocalSessionDirectory(ConsoleSessionRegistry* registry)
      : registry_(registry) {}

  absl::StatusOr<std::vector<ConsoleSessionSnapshot>> List(
      const ConsoleSessionFilter& filter) override {
    return registry_->List(filter);
  }
  absl::StatusOr<EndOutcome> End(const std::string& id,
                                 SessionEnd why) override {
    return registry_->End(id, why) ? EndOutcome::kEnded : EndOutcome::kNotFound;
  }
  absl::StatusOr<size_t> EndForServer(const std::string& server_id,
                                      SessionEnd why) override {
    return registry_->EndForServer(server_id, why);
  }

 private:
  ConsoleSessionRegistry* const registry_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_LOCAL_SESSION_DIRECTORY_H_
