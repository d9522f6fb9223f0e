#ifndef PORTHOLE_CONTROLLER_CLUSTER_FLEET_INDEX_CACHE_H_
#define PORTHOLE_CONTROLLER_CLUSTER_FLEET_INDEX_CACHE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controller/cluster/cluster_keys.h"
#include "controller/fleet/server_directory.h"
#include "etcd/mvcc/mvccpb/kv.pb.h"
#include "porthole/fleet/v1/fleet_index.pb.h"

namespace porthole::controller {

// One server's record in the index and the etcd revision that wrote it.
struct IndexedEntry {
  fleet::v1::IndexedServer record;
  int64_t mod_revision = 0;
};

// This replica's copy of the fleet index (the hosts and servers every
// replica published), fed with etcd's key-values and watch events; makes
// no calls itself. A server's host_connected is its host's: reported in
// sync with libvirt by the host's owner. Keys it cannot parse are skipped.
// Thread-safe: one mutex.
class FleetIndexCache {
 public:
  explicit FleetIndexCache(ClusterKeys keys) : keys_(std::move(keys)) {}

  // Replaces everything with a listing of the keys under `keys.fleet`.
  void Reset(const std::vector<mvccpb::KeyValue>& all);
  void Apply(const std::vector<mvccpb::Event>& changes);

  std::optional<Server> Find(std::string_view uuid) const;
  std::vector<Server> List() const;
  std::vector<std::string> NotInSync(
      const std::vector<std::string>& hosts) const;
  std::optional<IndexedEntry> Entry(std::string_view uuid) const;
  std::optional<fleet::v1::IndexedHost> Host(std::string_view host) const;
  // The servers the index places on `host`, with their revisions.
  std::vector<std::pair<std::string, int64_t>> ServersOn(
      std::string_view host) const;
  // `record` as the directory's Server, its host's state from this copy.
  Server ToServer(const std::string& uuid,
                  const fleet::v1::IndexedServer& record) const;

 private:
  void PutLocked(const mvccpb::KeyValue& kv) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Server ToServerLocked(const std::string& uuid,
                        const fleet::v1::IndexedServer& record) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ClusterKeys keys_;
  mutable absl::Mutex mu_;
  std::map<std::string, fleet::v1::IndexedHost, std::less<>> hosts_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, IndexedEntry, std::less<>> servers_
      ABSL_GUARDED_BY(mu_);
  // host -> its servers' uuids
  std::map<std::string, std::set<std::string>, std::less<>> by_host_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_FLEET_INDEX_CACHE_H_
