#ifndef PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_KEYS_H_
#define PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_KEYS_H_

#include <string>

namespace porthole::controller {

// Where the replicas of one deployment keep the fleet in etcd, beside the
// console tokens, under the deployment's prefix
// (protos/porthole/fleet/v1/fleet_index.proto says what each value holds).
struct ClusterKeys {
  explicit ClusterKeys(const std::string& prefix)
      : fleet(prefix + "/fleet/"),
        members(fleet + "members/"),
        hosts(fleet + "hosts/"),
        servers(fleet + "servers/") {}

  std::string fleet;    // everything below
  std::string members;  // + replica name: on that replica's lease
  std::string hosts;    // + compute host name: IndexedHost
  std::string servers;  // + server uuid: IndexedServer
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_KEYS_H_
