#ifndef PORTHOLE_CONTROLLER_CLUSTER_ETCD_FLEET_INDEX_H_
#define PORTHOLE_CONTROLLER_CLUSTER_ETCD_FLEET_INDEX_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controller/cluster/cluster_keys.h"
#include "controller/cluster/fleet_index_cache.h"
#include "controller/etcd/etcd_client.h"
#include "controller/etcd/etcd_prefix_watch.h"
#include "controller/fleet/fleet_index.h"

namespace porthole::controller {

// The FleetIndex on etcd. Reads come from a FleetIndexCache fed by a watch
// of PREFIX/fleet/. Publish queues the message; one writer thread turns each
// into the writes that make the index match it, against the newest of this
// replica's own writes and the cache, so an unchanged snapshot writes
// nothing. Puts go in transactions of up to 100 (the host's record in the
// last); a delete only if the key is still the one this host wrote (compare
// on its revision), so a server that moved and was written by the new
// host's owner is never deleted by the old one. A server's inactive copy
// left on a migration's source does not replace the active one unless that
// one's host is known down. Writes that fail (etcd unreachable) are retried
// in order until they succeed. Thread-safe.
class EtcdFleetIndex : public FleetIndex {
 public:
  // `client` must outlive this; `replica` is this replica's name.
  EtcdFleetIndex(EtcdClient* client, const ClusterKeys& keys,
                 std::string replica);
  ~EtcdFleetIndex() override;  // stops the writer and the watch
  EtcdFleetIndex(const EtcdFleetIndex&) = delete;
  EtcdFleetIndex& operator=(const EtcdFleetIndex&) = delete;

  void Start();
  // Waits until the cache holds a first listing (false after `timeout`).
  bool WaitListed(absl::Duration timeout);
  // Waits until every write queued so far is done (false after `timeout`).
  bool Flush(absl::Duration timeout);

  void Publish(const std::string& host,
               const agent::v1::WatchDomainsResponse& message) override;
  void PublishHostDown(const std::string& host) override;
  std::optional<Server> Find(std::string_view uuid) const override;
  absl::StatusOr<std::optional<Server>> Read(std::string_view uuid) override;
  std::vector<Server> List() const override;
  std::vector<std::string> NotInSync(
      const std::vector<std::string>& hosts) const override;

 private:
  struct Work {
    std::string host;
    // nullopt: the host's stream ended.
    std::optional<agent::v1::WatchDomainsResponse> message;
  };
  // The newest this replica knows of one server's key: its own last write
  // or what the watch brought, whichever is later.
  struct Known {
    fleet::v1::IndexedServer record;
    int64_t mod_revision = 0;
  };
  // The writes one Work needs, gathered before any is made.
  struct Writes {
    std::map<std::string, fleet::v1::IndexedServer> puts;  // by uuid
    std::vector<std::pair<std::string, int64_t>> deletes;  // uuid, revision
    std::optional<fleet::v1::IndexedHost> host;
  };

  void WriteLoop();
  bool QueueDrained() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Writes Plan(const Work& work) const;
  void PlanUpsert(const std::string& host, const agent::v1::Domain& domain,
                  Writes* writes) const;
  void PlanHost(const std::string& host, bool in_sync, bool libvirt,
                Writes* writes) const;
  absl::Status Apply(const std::string& host, const Writes& writes);
  std::optional<Known> Newest(const std::string& uuid) const;
  // Notes (or drops) this replica's own last write of a server's key.
  void Remember(const std::string& uuid, Known written);
  void Forget(const std::string& uuid);

  EtcdClient* const client_;
  const ClusterKeys keys_;
  const std::string replica_;
  FleetIndexCache cache_;
  std::unique_ptr<EtcdPrefixWatch> watch_;
  // This replica's own writes, by uuid; only the writer thread uses it.
  std::map<std::string, Known> written_;
  // host -> the uuids of written_ placed on it, so a snapshot finds its
  // host's without walking every server this replica wrote.
  std::map<std::string, std::set<std::string>> written_on_host_;

  mutable absl::Mutex mu_;
  std::deque<Work> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;  // the writer holds a Work
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread writer_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_ETCD_FLEET_INDEX_H_
