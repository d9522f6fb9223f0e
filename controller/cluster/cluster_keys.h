#ifndef PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_KEYS_H_
#define PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_KEYS_H_

#include <string>

namespace porthole::controller {

// Where the replicas of one deployment keep the fleet and their console
// sessions in etcd, beside the console tokens, under the deployment's
// prefix (protos/porthole/fleet/v1/fleet_index.proto says what each fleet
// value holds; shared_session.h the sessions').
struct ClusterKeys {
  explicit ClusterKeys(const std::string& prefix)
      : fleet(prefix + "/fleet/"),
        members(fleet + "members/"),
        hosts(fleet + "hosts/"),
        servers(fleet + "servers/"),
        sessions(prefix + "/sessions/"),
        live_sessions(sessions + "live/"),
        session_ends(sessions + "ends/") {}

  std::string fleet;          // everything below
  std::string members;        // + replica name: on that replica's lease
  std::string hosts;          // + compute host name: IndexedHost
  std::string servers;        // + server uuid: IndexedServer
  std::string sessions;       // everything below
  std::string live_sessions;  // + session id: on its replica's session lease
  // + "session/" + session id, or + "server/" + server uuid: a request to
  // every replica to end those sessions, on a short lease.
  std::string session_ends;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_CLUSTER_KEYS_H_
