#ifndef PORTHOLE_CONTROLLER_FLEET_STATIC_SERVER_DIRECTORY_H_
#define PORTHOLE_CONTROLLER_FLEET_STATIC_SERVER_DIRECTORY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/fleet/server_directory.h"

namespace porthole::controller {

// An in-memory ServerDirectory over a fixed list of servers, for unit tests
// and fuzzers: no agents, no network. GetConsole answers from the stored
// Domain the way an agent does: NOT_FOUND for an unknown uuid, UNAVAILABLE
// when the server's host is marked disconnected, FAILED_PRECONDITION unless
// the domain is running, blocked or paused, else OK with the first console
// of that protocol (or none). Upsert/Remove change the list, e.g. to make a
// server vanish between lookup and GetConsole. Thread-safe.
class StaticServerDirectory : public ServerDirectory {
 public:
  explicit StaticServerDirectory(std::vector<Server> servers = {});

  std::vector<Server> List() const override;
  std::optional<Server> Find(std::string_view uuid) override;
  absl::StatusOr<agent::v1::GetConsoleResponse> GetConsole(
      const Server& server, agent::v1::Protocol protocol,
      const std::string& request_id) override;

  // Adds the server, or replaces the one with the same uuid.
  void Upsert(Server server);
  void Remove(std::string_view uuid);
  // The request_id of the latest GetConsole call ("" before the first).
  std::string last_request_id() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<Server> servers_ ABSL_GUARDED_BY(mu_);
  std::string last_request_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_STATIC_SERVER_DIRECTORY_H_
