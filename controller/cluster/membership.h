#ifndef PORTHOLE_CONTROLLER_CLUSTER_MEMBERSHIP_H_
#define PORTHOLE_CONTROLLER_CLUSTER_MEMBERSHIP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/cluster/cluster_keys.h"
#include "controller/etcd/etcd_client.h"
#include "controller/etcd/etcd_prefix_watch.h"

namespace porthole::controller {

// [cluster]: this replica among the controllers that share one etcd.
struct ClusterOptions {
  std::string name;  // unique among the replicas; empty: the host name
  // How long a replica that stopped renewing (crashed, cut off) keeps its
  // hosts before the others take them.
  absl::Duration member_ttl = absl::Seconds(5);
  // How often this replica refreshes the byte counts of its published
  // sessions (what a listing through another replica shows).
  absl::Duration session_refresh = absl::Seconds(10);
};

// This replica's membership: the key PREFIX/fleet/members/NAME on a lease
// of its own, renewed every third of `member_ttl`, and a watch of every
// member's key. `on_members` gets the sorted names of the live replicas
// each time they change, from the watch's thread. A name another live
// replica holds is not taken: this one waits (logging why) until the other
// lease ends, which is also what a restart after a crash does. When etcd is
// unreachable the last view stays and renewal keeps trying; a lease that
// expired meanwhile is granted anew. Leave (or the destructor) revokes the
// lease, so the others take this replica's hosts at once. Thread-safe.
class Membership {
 public:
  using MembersCallback =
      std::function<void(const std::vector<std::string>& members)>;

  // `client` must outlive this.
  Membership(EtcdClient* client, const ClusterKeys& keys,
             ClusterOptions options, MembersCallback on_members);
  ~Membership();  // Leave()s
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // Starts the renewal thread and the watch; returns at once.
  void Start();
  // Waits until this replica holds its key and sees the members (false
  // after `timeout`).
  bool WaitJoined(absl::Duration timeout);
  void Leave();

  const std::string& name() const { return options_.name; }
  std::vector<std::string> members() const;
  // The lease this replica's key is on (0 while not registered): keys put
  // on it (the replica's published sessions) go when the replica does.
  int64_t lease() const;

 private:
  void KeepMembership();
  // Grants a lease and writes the key if no one holds it; true when done.
  bool Register();
  void OnReset(const std::vector<mvccpb::KeyValue>& all);
  void OnEvents(const std::vector<mvccpb::Event>& changes);
  bool JoinedOrStopping() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  EtcdClient* const client_;
  const std::string members_prefix_;
  const std::string key_;
  const ClusterOptions options_;
  const MembersCallback on_members_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t lease_ ABSL_GUARDED_BY(mu_) = 0;  // 0: not registered
  bool listed_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> members_ ABSL_GUARDED_BY(mu_);
  std::thread keeper_;
  std::unique_ptr<EtcdPrefixWatch> watch_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_MEMBERSHIP_H_
