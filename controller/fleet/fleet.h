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
#include "controller/fleet/agent_channel.h"
#include "controller/fleet/agent_link.h"
#include "controller/fleet/completion_loop.h"
#include "controller/fleet/fleet_index.h"
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
  // Agents this replica does not follow that it keeps a channel to, for
  // the calls requests need (least recently used closed first).
  size_t other_agent_channels = 256;
  // Threads the watch streams complete on; 0: CompletionLoopPool's default.
  size_t completion_loops = 0;
};

// The controller's ServerDirectory: an AgentLink per followed agent feeds a
// ServerInventory. Alone (no `index`), a replica follows every configured
// agent, and a lookup the inventory misses asks every agent's ListDomains
// at once, bounded by `timeout`. With a FleetIndex shared with other
// replicas, it follows only the agents rendezvous hashing gives it among
// the live replicas (SetReplicas), publishes what they report to the index,
// and answers the rest from the index: no fan-out. Calls to an agent it
// does not follow go over a bounded cache of channels. When a followed
// server stops, is undefined or shows up on another host,
// `on_server_gone(uuid, reason)` is called (from the fleet's threads or the
// caller's) so its console tokens can be revoked. Owns its links.
// Thread-safe.
class Fleet : public ServerDirectory {
 public:
  using ServerGoneCallback =
      std::function<void(const std::string& uuid, std::string_view reason)>;

  // `index` (may be null: alone) must outlive the fleet; `replica` names
  // this replica among those SetReplicas lists.
  Fleet(FleetOptions options, ServerGoneCallback on_server_gone,
        FleetIndex* index = nullptr, std::string replica = "");
  ~Fleet() override;  // Stop()s
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Starts one link per agent. Returns an error if the TLS files cannot be
  // read.
  absl::Status Start();
  void Stop();
  // Applies a new agent list (SIGHUP): of those this replica follows, new
  // ones start watching, removed ones stop and their servers are forgotten
  // here (not reported gone); unchanged ones keep running.
  void SetAgents(std::vector<AgentEndpoint> agents);
  // The live replicas changed (with an index): follows the agents this
  // replica now owns, hands the others over as SetAgents drops agents.
  // Until the first call, a replica follows every agent.
  void SetReplicas(std::vector<std::string> replicas);
  // The names of the agents this replica follows now.
  std::vector<std::string> FollowedAgents() const;

  std::vector<Server> List() const override;
  // The ServerDirectory contract: a known server; else NOT_FOUND for a
  // non-UUID (names never reach agents) or when every agent vouched for the
  // miss (ServerInventory::MissStatus; with an index: every host's owner
  // reports it in sync and the index, read now, has no such server); else
  // UNAVAILABLE naming the agents that are down or still syncing.
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
  // A miss with an index: the store read now, then who vouches.
  absl::StatusOr<Server> FindInIndex(const std::string& uuid);
  void ReportGone(const std::vector<GoneServer>& gone);
  std::shared_ptr<AgentLink> LinkFor(std::string_view agent) const;
  // `host`'s stub for one unary call, with `context` given the configured
  // deadline and the request id: its link's when followed, else a cached
  // channel's; UNAVAILABLE when no agent is configured for it.
  absl::StatusOr<std::shared_ptr<agent::v1::ConsoleAgent::Stub>> CallableStub(
      const std::string& host, const std::string& request_id,
      grpc::ClientContext& context) const;
  // The configured agents this replica follows.
  std::vector<AgentEndpoint> FollowedLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts and stops links to follow exactly FollowedLocked().
  void Follow() ABSL_LOCKS_EXCLUDED(mu_);
  std::shared_ptr<AgentLink> NewLink(const AgentEndpoint& agent)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FleetOptions options_;
  ServerGoneCallback on_server_gone_;
  FleetIndex* const index_;
  const std::string replica_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  ServerInventory inventory_;
  std::unique_ptr<AgentChannelCache> other_agents_;  // from Start()

  mutable absl::Mutex mu_;
  std::vector<AgentEndpoint> configured_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> replicas_ ABSL_GUARDED_BY(mu_);  // empty: alone
  std::map<std::string, std::shared_ptr<AgentLink>, std::less<>> links_
      ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  // Where the links' streams complete, a loop per link in turn; from Start()
  // until Stop() has stopped the links.
  std::unique_ptr<CompletionLoopPool> loops_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_FLEET_H_
