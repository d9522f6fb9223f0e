#ifndef PORTHOLE_CONTROLLER_CLUSTER_FLEET_INDEX_CACHE_H_
#define PORTHOLE_CONTROLLER_CLUSTER_FLEET_INDEX_CACHE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/numeric/int128.h"
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
// sync with libvirt by the host's owner. Keys it cannot parse (a server key
// that is not a UUID, a value that is not the record) are skipped. Holds
// about 500 bytes per server (fleet_index_bench). Thread-safe: one
// mutex.
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
  // One server, compactly: the strings many servers share
  // (host, project, user) are interned, the uuid is its 128 bits.
  struct Record {
    uint32_t host = 0;  // ids into names_
    uint32_t project = 0;
    uint32_t user = 0;
    agent::v1::DomainState state = agent::v1::DOMAIN_STATE_UNSPECIFIED;
    std::string name;
    std::string display_name;
    int64_t mod_revision = 0;
  };

  void PutLocked(const mvccpb::KeyValue& kv) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t InternLocked(const std::string& text)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  fleet::v1::IndexedServer IndexedLocked(const Record& record) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Server ToServerLocked(const std::string& uuid,
                        const fleet::v1::IndexedServer& record) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const ClusterKeys keys_;
  mutable absl::Mutex mu_;
  std::map<std::string, fleet::v1::IndexedHost, std::less<>> hosts_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<absl::uint128, Record> servers_ ABSL_GUARDED_BY(mu_);
  // Interned strings: id -> text, text -> id. Kept until the next Reset.
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> name_ids_ ABSL_GUARDED_BY(mu_);
  // host id -> its servers
  absl::flat_hash_map<uint32_t, absl::flat_hash_set<absl::uint128>> by_host_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_FLEET_INDEX_CACHE_H_
