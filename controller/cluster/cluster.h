#ifndef PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_H_
#define PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/cluster/etcd_fleet_index.h"
#include "controller/cluster/etcd_session_directory.h"
#include "controller/cluster/membership.h"
#include "controller/cluster/session_publisher.h"
#include "controller/etcd/etcd_client.h"
#include "controller/fleet/fleet.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_directory.h"

namespace porthole::controller {

// This replica's part in a deployment of several that share one etcd (the
// etcd token store's): its membership, the fleet index and the console
// sessions every replica can list and end, on an etcd client of their own.
// A replica whose token store is not on etcd is alone and has no Cluster.
// Not copyable; Leave before the fleet and the session registry go.
class Cluster {
 public:
  // Nullptr when `store_url` is not an etcd URL. Errors: the URL is bad or
  // its TLS files cannot be read. etcd need not be up: the index fills and
  // the replica joins when it is.
  static absl::StatusOr<std::unique_ptr<Cluster>> Open(
      std::string_view store_url, absl::Duration call_timeout,
      ClusterOptions options);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::string& name() const { return options_.name; }
  FleetIndex* index() { return &index_; }
  // Joins and hands every membership change to `fleet` (SetReplicas).
  // Waits up to the member TTL for this replica to see itself among the
  // members, so that the fleet starts with its own share of the hosts;
  // false (logged) when it did not, and the fleet follows every host until
  // the first membership arrives.
  bool Join(Fleet* fleet);
  // After Join: publishes `registry`'s sessions and answers the admin API
  // for every replica's. The directory lives as long as this.
  SessionDirectory* ShareSessions(ConsoleSessionRegistry* registry);
  // Stops sharing sessions (their records go with the membership lease)
  // and leaves.
  void Leave();

 private:
  Cluster(std::unique_ptr<EtcdClient> client, const std::string& prefix,
          ClusterOptions options);

  const ClusterOptions options_;
  const std::unique_ptr<EtcdClient> client_;
  const ClusterKeys keys_;
  EtcdFleetIndex index_;
  std::unique_ptr<Membership> membership_;
  std::unique_ptr<SessionPublisher> session_publisher_;
  std::unique_ptr<EtcdSessionDirectory> session_directory_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_H_
