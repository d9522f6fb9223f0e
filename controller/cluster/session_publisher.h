#ifndef PORTHOLE_CONTROLLER_CLUSTER_SESSION_PUBLISHER_H_
#define PORTHOLE_CONTROLLER_CLUSTER_SESSION_PUBLISHER_H_

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/cluster/cluster_keys.h"
#include "controller/cluster/membership.h"
#include "controller/etcd/etcd_client.h"
#include "controller/sessions/console_session_registry.h"

namespace porthole::controller {

// Publishes this replica's live sessions to etcd, PREFIX/sessions/live/ID
// (shared_session.h), on the replica's membership lease: a replica that
// dies or leaves takes its records with it. A new or ended session is
// written within one transaction of the registry's change; byte counts
// are refreshed every `bytes_interval` (only the sessions that moved).
// When etcd is unreachable it retries every second; when the membership
// lease is granted anew it publishes everything again. One thread; the
// registry, client and membership must outlive Stop. Thread-safe.
class SessionPublisher {
 public:
  SessionPublisher(EtcdClient* client, const ClusterKeys& keys,
                   const ConsoleSessionRegistry* registry,
                   const Membership* membership, absl::Duration bytes_interval);
  ~SessionPublisher();  // Stop()s
  SessionPublisher(const SessionPublisher&) = delete;
  SessionPublisher& operator=(const SessionPublisher&) = delete;

  void Start();
  void Stop();

  // What has been written: for tests and the directory's own sessions.
  size_t published() const;

 private:
  struct Written {
    uint64_t bytes_up = 0;
    uint64_t bytes_down = 0;
  };
  void Run();
  // Writes what differs between `now` and written_ (bytes too when
  // `with_bytes`); OK when all of it is written.
  absl::Status Publish(const std::vector<ConsoleSessionSnapshot>& now,
                       int64_t lease, bool with_bytes);
  bool Stopping() const;

  EtcdClient* const client_;
  const std::string prefix_;  // keys.live_sessions
  const ConsoleSessionRegistry* const registry_;
  const Membership* const membership_;
  const absl::Duration bytes_interval_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Only the thread writes it; published() reads it.
  absl::flat_hash_map<std::string, Written> written_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_SESSION_PUBLISHER_H_
