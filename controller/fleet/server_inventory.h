#ifndef PORTHOLE_CONTROLLER_FLEET_SERVER_INVENTORY_H_
#define PORTHOLE_CONTROLLER_FLEET_SERVER_INVENTORY_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/fleet/server_directory.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

// A server whose console tokens must be revoked: it stopped, was undefined,
// vanished from its host's snapshot, or showed up on another host.
struct GoneServer {
  std::string uuid;
  std::string reason;  // for the log: "stopped", "moved from a to b", ...

  bool operator==(const GoneServer&) const = default;
};

// The agents' answers to one fan-out ListDomains.
struct FanOutAnswers {
  std::set<std::string, std::less<>> answered;     // the call succeeded
  std::set<std::string, std::less<>> unreachable;  // UNAVAILABLE or deadline
};

// What the controller knows of every agent's servers, and whether each agent
// is in sync. Fed with the agents' WatchDomains messages and the servers the
// fan-out found; it makes no calls itself (the AgentLinks and the Fleet do),
// so every rule here is tested without sockets. Thread-safe: one mutex.
//
// An agent is in sync from the first SNAPSHOT of a stream until that stream
// ends (MarkAgentDown). An agent that lost libvirt (DISCONNECTED) stays in
// sync: it still answers for what it last knew, and its servers are kept
// with host_connected = false.
class ServerInventory {
 public:
  // Makes `agent` known, not in sync and without servers (no-op if known).
  // Messages for agents that are not known are ignored: a link being stopped
  // may still deliver one.
  void AddAgent(std::string_view agent);
  // Forgets the agent and its servers. They are not reported gone: the agent
  // left the configuration, the servers did not stop.
  void RemoveAgent(std::string_view agent);

  // Applies one WatchDomains message from `agent`. SNAPSHOT and RESYNCED
  // replace its servers (missing ones are gone) and put it in sync; STARTED,
  // DEFINED, ... upsert; UNDEFINED removes; DISCONNECTED marks its servers
  // host_connected = false; HEARTBEAT changes nothing (see Confirm). A server
  // leaving an active state is gone; a server arriving from another host is
  // gone from there (moved), unless it arrives inactive while the other host's
  // copy is active and connected (the source side of a migration). A domain
  // whose uuid is not a UUID (the contract's shape) is ignored: no lookup
  // could name it. Returns the servers to revoke, their uuids in lowercase.
  std::vector<GoneServer> Apply(std::string_view agent,
                                const agent::v1::WatchDomainsResponse& message);
  // A HEARTBEAT from `agent`, received `at`: its servers here were current
  // then. Ignored unless the agent is in sync.
  void Confirm(std::string_view agent, absl::Time at);
  // The latest Confirm since the agent last came in sync and last had
  // libvirt; InfinitePast otherwise.
  absl::Time ConfirmedAt(std::string_view agent) const;
  // One domain `agent` listed in answer to the fan-out, with the same upsert
  // rules as a change message.
  std::vector<GoneServer> AddListed(std::string_view agent,
                                    const agent::v1::Domain& domain,
                                    bool libvirt_connected);
  // The agent's stream ended: not in sync; its servers are kept with
  // host_connected = false.
  void MarkAgentDown(std::string_view agent);

  // The server with that uuid (either case), if any agent reported it.
  std::optional<Server> Find(std::string_view uuid) const;
  std::vector<Server> List() const;
  bool InSync(std::string_view agent) const;
  std::vector<std::string> Agents() const;

  // Why `uuid`, which no agent reported, cannot be returned. Every agent
  // must vouch for its absence: by answering the fan-out, or by being in
  // sync and not found unreachable by it (a hung agent's stream looks up
  // until keepalive notices). Then NOT_FOUND; else UNAVAILABLE, the message
  // naming the agents that did not ("compute host c2 is unreachable or
  // still syncing").
  absl::Status MissStatus(std::string_view uuid,
                          const FanOutAnswers& fan_out = {}) const;

 private:
  // One server as kept: its agent's Domain message in wire form, parsed
  // again by Find and List (~1 us). A parsed Domain holds each string in an
  // allocation of its own; the wire form is one (docs/benchmarks.md, fleet
  // run 2). The uuid is the map's key, as its 128 bits (UuidBits), and left
  // out of the wire form: the text held twice cost ~65 bytes a server
  // (docs/benchmarks.md, fleet run 3). `state` is kept apart for the upsert
  // rules.
  struct Record {
    std::string domain;     // agent::v1::Domain without its uuid, serialized
    std::string_view host;  // its agent: the key of that agent in agents_
    agent::v1::DomainState state = agent::v1::DOMAIN_STATE_UNSPECIFIED;
    bool host_connected = true;
  };
  // By uuid; the bits order as the lowercase text does, so List keeps its
  // order.
  using RecordMap = std::map<absl::uint128, Record>;
  struct AgentState {
    bool in_sync = false;
    absl::Time confirmed_at = absl::InfinitePast();
    // Its entries in servers_ (map iterators stay valid until erased): a
    // snapshot or an outage touches this agent's servers, not every one.
    std::vector<RecordMap::iterator> servers;
  };
  using AgentMap = std::map<std::string, AgentState, std::less<>>;

  void UpsertLocked(AgentMap::iterator agent, const agent::v1::Domain& domain,
                    bool connected, std::vector<GoneServer>* gone)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReplaceLocked(AgentMap::iterator agent,
                     const agent::v1::WatchDomainsResponse& message,
                     std::vector<GoneServer>* gone)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DisconnectLocked(AgentState& agent) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the server from servers_ and from its agent's list.
  void EraseLocked(RecordMap::iterator server)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static Server ToServer(RecordMap::const_reference server);

  mutable absl::Mutex mu_;
  AgentMap agents_ ABSL_GUARDED_BY(mu_);
  RecordMap servers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_SERVER_INVENTORY_H_
