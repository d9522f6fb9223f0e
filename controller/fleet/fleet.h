#ifndef PORTHOLE_CONTROLLER_FLEET_FLEET_H_
#define PORTHOLE_CONTROLLER_FLEET_FLEET_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc_tls.h"
#include "controller/fleet/server_directory.h"

namespace porthole::controller {

// One agent as configured: `[agents] hosts = NAME=HOST:PORT, ...`.
struct AgentEndpoint {
  std::string name;     // the compute host's name (Nova's instance.host)
  std::string address;  // host:port of its porthole-agent

  bool operator==(const AgentEndpoint&) const = default;
};

// Parses "name=host:port, name2=host:port". Errors name the bad entry.
absl::StatusOr<std::vector<AgentEndpoint>> ParseAgentHosts(
    std::string_view text);

struct FleetOptions {
  std::vector<AgentEndpoint> agents;
  absl::Duration timeout = absl::Seconds(2);  // every call to an agent
  TlsFiles tls;  // client side of mTLS; empty: plaintext
  absl::Duration reconnect_min_backoff = absl::Milliseconds(200);
  absl::Duration reconnect_max_backoff = absl::Seconds(10);
};

// The controller's view of every server on every agent. One gRPC channel
// per agent; a thread per agent holds its WatchDomains stream, applies the
// snapshot and each change to the inventory, and reconnects with backoff
// when the stream ends. When a server stops, is undefined or shows up on
// another host, `on_server_gone(uuid)` is called so its console tokens can
// be revoked. Thread-safe.
class Fleet : public ServerDirectory {
 public:
  using ServerGoneCallback =
      std::function<void(const std::string& uuid, std::string_view reason)>;

  Fleet(FleetOptions options, ServerGoneCallback on_server_gone);
  ~Fleet() override;  // Stop()s
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Starts one watcher per agent. Returns an error if the TLS files cannot
  // be read.
  absl::Status Start();
  void Stop();
  // Applies a new agent list (SIGHUP): new agents start watching, removed
  // ones stop and their servers are forgotten; unchanged ones keep running.
  void SetAgents(std::vector<AgentEndpoint> agents);

  std::vector<Server> List() const override;
  std::optional<Server> Find(std::string_view uuid) override;
  absl::StatusOr<agent::v1::GetConsoleResponse> GetConsole(
      const Server& server, agent::v1::Protocol protocol,
      const std::string& request_id) override;

  // True when the named agent's watch stream is up (for health and tests).
  bool AgentConnected(std::string_view name) const;

 private:
  class AgentLink;
  friend class AgentLink;

  // Called by the links, from their threads.
  void ApplyWatchMessage(const std::string& agent,
                         const agent::v1::WatchDomainsResponse& message);
  void MarkAgentDown(const std::string& agent);
  void UpsertLocked(const std::string& agent, const agent::v1::Domain& domain,
                    bool connected, std::vector<std::string>* gone)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReportGone(const std::vector<std::string>& uuids,
                  std::string_view reason);
  std::shared_ptr<AgentLink> LinkFor(std::string_view agent) const;

  FleetOptions options_;
  ServerGoneCallback on_server_gone_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;

  mutable absl::Mutex mu_;
  std::map<std::string, Server, std::less<>> servers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<AgentLink>, std::less<>> links_
      ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_FLEET_H_
