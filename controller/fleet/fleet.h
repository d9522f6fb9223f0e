#ifndef PORTHOLE_CONTROLLER_FLEET_FLEET_H_
#define PORTHOLE_CONTROLLER_FLEET_FLEET_H_

#include <cstddef>
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
#include "controller/fleet/agent_link.h"
#include "controller/fleet/completion_loop.h"
#include "controller/fleet/server_directory.h"
#include "controller/fleet/server_inventory.h"

namespace porthole::controller {

// Parses "name=host:port, name2=host:port". Errors name the bad entry.
absl::StatusOr<std::vector<AgentEndpoint>> ParseAgentHosts(
    std::string_view text);

struct FleetOptions {
  std::vector<AgentEndpoint> agents;
  absl::Duration timeout = absl::Seconds(2);  // every call to an agent
  TlsFiles tls;  // client side of mTLS; empty: plaintext
  absl::Duration reconnect_min_backoff = absl::Milliseconds(200);
  absl::Duration reconnect_max_backoff = absl::Seconds(10);
  // Threads the watch streams complete on; 0: CompletionLoopPool's default.
  size_t completion_loops = 0;
};

// The controller's ServerDirectory: an AgentLink per configured agent feeds
// a ServerInventory, and a lookup the inventory misses asks every agent's
// ListDomains at once, bounded by `timeout`. When a server stops, is
// undefined or shows up on another host, `on_server_gone(uuid, reason)` is
// called (from gRPC's callback threads or the caller's) so its console tokens
// can be revoked. Owns its links. Thread-safe.
class Fleet : public ServerDirectory {
 public:
  using ServerGoneCallback =
      std::function<void(const std::string& uuid, std::string_view reason)>;

  Fleet(FleetOptions options, ServerGoneCallback on_server_gone);
  ~Fleet() override;  // Stop()s
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Starts one link per agent. Returns an error if the TLS files cannot be
  // read.
  absl::Status Start();
  void Stop();
  // Applies a new agent list (SIGHUP): new agents start watching, removed
  // ones stop and their servers are forgotten; unchanged ones keep running.
  void SetAgents(std::vector<AgentEndpoint> agents);

  std::vector<Server> List() const override;
  // The ServerDirectory contract: a known server; else NOT_FOUND for a
  // non-UUID (names never reach agents) or when every agent vouched for the
  // miss (ServerInventory::MissStatus); else UNAVAILABLE naming the agents
  // that are down or still syncing.
  absl::StatusOr<Server> Find(std::string_view uuid) override;
  absl::StatusOr<agent::v1::GetConsoleResponse> GetConsole(
      const Server& server, agent::v1::Protocol protocol,
      const std::string& request_id) override;
  absl::StatusOr<agent::v1::TailConsoleLogResponse> TailConsoleLog(
      const Server& server, std::optional<int64_t> max_lines,
      const std::string& request_id) override;
  absl::Time ConfirmedAt(std::string_view host) const override;

  // True when the named agent is in sync: its watch stream is up and its
  // snapshot applied (for health and tests).
  bool AgentConnected(std::string_view name) const;

 private:
  // Asks every agent's ListDomains for `uuid` at once; records the domain
  // where found. Returns who answered and who could not be reached.
  FanOutAnswers AskEveryAgent(const std::string& uuid);
  void ReportGone(const std::vector<GoneServer>& gone);
  std::shared_ptr<AgentLink> LinkFor(std::string_view agent) const;
  // `host`'s link for one unary call, with `context` given the configured
  // deadline and the request id; UNAVAILABLE when no agent is configured
  // for it.
  absl::StatusOr<std::shared_ptr<AgentLink>> CallableLink(
      const std::string& host, const std::string& request_id,
      grpc::ClientContext& context) const;
  std::shared_ptr<AgentLink> NewLink(const AgentEndpoint& agent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FleetOptions options_;
  ServerGoneCallback on_server_gone_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  ServerInventory inventory_;

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<AgentLink>, std::less<>> links_
      ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  // Where the links' streams complete, a loop per link in turn; from Start()
  // until Stop() has stopped the links.
  std::unique_ptr<CompletionLoopPool> loops_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_FLEET_H_
