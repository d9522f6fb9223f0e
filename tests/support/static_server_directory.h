#ifndef PORTHOLE_TESTS_SUPPORT_STATIC_SERVER_DIRECTORY_H_
#define PORTHOLE_TESTS_SUPPORT_STATIC_SERVER_DIRECTORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/fleet/server_directory.h"
#include "controller/fleet/server_inventory.h"

namespace porthole::controller {

// A running server on compute host "compute-a" with one console of
// `protocol` at console_host:port: what most proxy tests look up.
Server RunningServer(const std::string& uuid, agent::v1::Protocol protocol,
                     const std::string& console_host, uint32_t port);

// A fake ServerDirectory for unit tests and fuzzers: no agents, no network.
// It runs the real rules: servers live in the fleet's ServerInventory (fed
// whole Servers instead of WatchDomains messages), Find answers a miss with
// ServerInventory::MissStatus, and GetConsole answers from the stored Domain
// with the agent contract's AnswerGetConsole (UNAVAILABLE first when the
// server's host_connected is false; NOT_FOUND for an unknown uuid);
// TailConsoleLog answers the same way from a log set with SetConsoleLog,
// capped and tailed by the contract's kMaxConsoleLogBytes and TailLines. Every
// host a server names is an agent in sync, until SetHostInSync(host, false)
// makes it one that is down or still syncing. Thread-safe.
class StaticServerDirectory : public ServerDirectory {
 public:
  explicit StaticServerDirectory(const std::vector<Server>& servers = {});

  std::vector<Server> List() const override;
  absl::StatusOr<Server> Find(std::string_view uuid) override;
  absl::StatusOr<agent::v1::GetConsoleResponse> GetConsole(
      const Server& server, agent::v1::Protocol protocol,
      const std::string& request_id) override;
  absl::StatusOr<agent::v1::TailConsoleLogResponse> TailConsoleLog(
      const Server& server, std::optional<int64_t> max_lines,
      const std::string& request_id) override;
  absl::Time ConfirmedAt(std::string_view host) const override;

  // The console log of `uuid` as its agent would read it; nullopt (the
  // default for every server): the domain has no console log.
  void SetConsoleLog(std::string_view uuid, std::optional<std::string> log);

  // Adds the server, or replaces the one with the same uuid, by the
  // inventory's upsert rules (an inactive copy on another host does not
  // displace an active, connected one).
  void Upsert(const Server& server);
  void Remove(std::string_view uuid);
  // false: the host's stream is down (its servers are kept with
  // host_connected = false, and a miss is UNAVAILABLE naming it). true: it
  // is in sync again, its servers connected.
  void SetHostInSync(std::string_view host, bool in_sync);
  // As a HEARTBEAT from the host's agent received `at` (ignored while the
  // host is not in sync).
  void Confirm(std::string_view host, absl::Time at);
  // The request_id of the latest GetConsole call ("" before the first).
  std::string last_request_id() const;
  int get_console_calls() const;

 private:
  void AddHost(std::string_view host);
  // The stored copy of `server`, as its agent would see it: NOT_FOUND when
  // unknown, UNAVAILABLE when its host is not connected.
  absl::StatusOr<Server> Reachable(const Server& server) const;

  ServerInventory inventory_;
  mutable absl::Mutex mu_;
  std::string last_request_id_ ABSL_GUARDED_BY(mu_);
  int get_console_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, std::string, std::less<>> console_logs_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_TESTS_SUPPORT_STATIC_SERVER_DIRECTORY_H_
