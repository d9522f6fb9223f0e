#ifndef PORTHOLE_AGENT_DOMAIN_INVENTORY_H_
#define PORTHOLE_AGENT_DOMAIN_INVENTORY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::agent {

// What kind of change turns `before` into `after` (either may be absent), or
// CHANGE_TYPE_UNSPECIFIED when nothing a client cares about differs.
v1::ChangeType ClassifyChange(const v1::Domain* before,
                              const v1::Domain* after);

// The agent's in-memory view of every domain on the host, keyed by UUID (ids
// change on each start; UUIDs do not), fed by LibvirtHost and read by the
// gRPC service. Watchers get every change as a WatchDomainsResponse, in
// order, right after a snapshot taken atomically with their subscription.
// Thread-safe. Listeners run under the inventory's lock: they must only
// queue the change (never block, never call back into the Inventory).
class Inventory {
 public:
  using Listener = std::function<void(const v1::WatchDomainsResponse&)>;

  Inventory() = default;
  Inventory(const Inventory&) = delete;
  Inventory& operator=(const Inventory&) = delete;

  // Replaces everything after a (re)connect and a full listing; marks the
  // inventory connected; tells watchers with `change` (RESYNCED).
  void Replace(std::vector<v1::Domain> domains, v1::ChangeType change);
  // Adds or updates one domain; tells watchers what changed, if anything.
  void Upsert(v1::Domain domain);
  // Forgets a domain (undefined, or a transient one that stopped).
  void Remove(std::string_view uuid);
  // The libvirt connection is gone: the domains stay as last seen.
  void SetDisconnected();
  // Tells watchers (HEARTBEAT, no domains) that every change made before
  // this call has been sent; nothing while disconnected.
  void Heartbeat();
  void SetHostname(std::string hostname);

  v1::ListDomainsResponse List() const;
  std::optional<v1::Domain> Find(std::string_view uuid) const;

  // Fills `snapshot` (SNAPSHOT, every domain) and registers `listener` for
  // every later change. Returns an id for Unsubscribe.
  uint64_t Subscribe(Listener listener, v1::WatchDomainsResponse* snapshot);
  void Unsubscribe(uint64_t id);

 private:
  // A message with change, hostname and connection state but no domains.
  v1::WatchDomainsResponse MakeHeader(v1::ChangeType change) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The same with every domain: a SNAPSHOT or RESYNCED message.
  v1::WatchDomainsResponse MakeMessage(v1::ChangeType change) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Notify(const v1::WatchDomainsResponse& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, v1::Domain, std::less<>> domains_ ABSL_GUARDED_BY(mu_);
  std::string hostname_ ABSL_GUARDED_BY(mu_);
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_listener_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, Listener> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_DOMAIN_INVENTORY_H_
