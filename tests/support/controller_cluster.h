#ifndef PORTHOLE_TESTS_SUPPORT_CONTROLLER_CLUSTER_H_
#define PORTHOLE_TESTS_SUPPORT_CONTROLLER_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/compute_host_netns.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/haproxy_balancer.h"

namespace porthole::testing {

struct ClusterOptions {
  int hosts = 3;
  int replicas = 3;
  int etcd_members = 3;
  // [cluster] member_ttl of every replica: how long a killed replica keeps
  // its hosts.
  int member_ttl_seconds = 2;
};

// A Porthole deployment of several hosts on one machine: compute hosts in
// network namespaces (ComputeHostNetns, each with a real QEMU guest and its
// agent), a real etcd (EtcdCluster), porthole-controller replicas r1..rN
// in the root namespace on free 127.0.0.1 ports, each with every host's
// agent in [agents] hosts and the same etcd token store, and haproxy
// (HaproxyBalancer) in front of their API and noVNC proxy ports. Console
// URLs point at haproxy's noVNC port, as a deployment's would; the
// per-user limit on URLs is off. Everything
// is stopped by PID and the namespaces deleted when the cluster goes away.
// Not thread-safe.
class ControllerCluster {
 public:
  explicit ControllerCluster(ClusterOptions options = {});
  ~ControllerCluster();
  ControllerCluster(const ControllerCluster&) = delete;
  ControllerCluster& operator=(const ControllerCluster&) = delete;

  // Starts everything and waits until every replica answers (and, without
  // the [cluster] section, lists every host's guest). False with the
  // reason in error().
  bool Start();

  int host_count() const { return static_cast<int>(hosts_.size()); }
  ComputeHostNetns& host(int i) { return *hosts_[i]; }
  // The host's name ("compute-N") of each host, in order.
  std::vector<std::string> HostNames() const;

  int replica_count() const { return static_cast<int>(replicas_.size()); }
  const std::string& replica_name(int i) const { return replicas_[i].name; }
  std::vector<std::string> ReplicaNames() const;
  // The index of the replica named `name`, or -1.
  int ReplicaIndex(const std::string& name) const;
  // The replica the fleet index names as following `host` and having it in
  // sync (PREFIX/fleet/hosts/HOST in etcd); empty when none does.
  std::string HostOwner(const std::string& host);
  int api_port(int i) const { return replicas_[i].api_port; }
  int novnc_port(int i) const { return replicas_[i].novnc_port; }
  // SIGKILL, as a crash would; the process is reaped.
  void KillReplica(int i);
  bool ReplicaRunning(int i);

  EtcdCluster& etcd() { return etcd_; }
  int balanced_api_port() const { return balanced_api_port_; }
  int balanced_novnc_port() const { return balanced_novnc_port_; }

  const std::string& error() const { return error_; }
  // Every replica's, host's and haproxy's log, for a failed assertion.
  std::string Logs() const;

 private:
  struct Replica {
    std::string name;
    int api_port = 0;
    int novnc_port = 0;
    int spice_port = 0;
    int serial_port = 0;
    std::unique_ptr<ChildProcess> process;
  };
  void WriteReplicaConfig(Replica& r);
  bool StartReplica(Replica& r);
  bool ReplicaReady(const Replica& r);
  std::string ConfigPath(const Replica& r) const;
  std::string LogPath(const Replica& r) const;

  ClusterOptions options_;
  TempDir dir_;
  std::vector<std::unique_ptr<ComputeHostNetns>> hosts_;
  EtcdCluster etcd_;
  std::vector<Replica> replicas_;
  HaproxyBalancer balancer_;
  int balanced_api_port_ = 0;
  int balanced_novnc_port_ = 0;
  std::string error_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_CONTROLLER_CLUSTER_H_
