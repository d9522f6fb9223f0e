#ifndef PORTHOLE_CONTROLLER_ETCD_ETCD_PREFIX_WATCH_H_
#define PORTHOLE_CONTROLLER_ETCD_ETCD_PREFIX_WATCH_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/etcd/etcd_client.h"

namespace grpc {
class ClientContext;
}

namespace porthole::controller {

// Follows every key under one etcd prefix. By default the list-then-watch
// way, to keep a caller's copy current: it lists the prefix (in pages, at
// one revision) and hands every key to `on_reset`, then watches from the
// next revision and hands each batch of changes to `on_events`; when etcd
// has compacted away changes not yet seen, or the listing failed, it lists
// again and calls `on_reset` anew. Without listing, it reports changes from
// `start_revision` on (from whenever the stream first works when that is
// 0, and from then on after a compaction, logged). A broken stream resumes
// after the last revision seen, so nothing is missed. Runs on a thread of
// its own, which makes every callback, one at a time. The destructor
// cancels the stream and joins the thread; `client` must outlive the watch.
class EtcdPrefixWatch {
 public:
  struct Callbacks {
    std::function<void(const std::vector<mvccpb::KeyValue>& all)> on_reset;
    std::function<void(const std::vector<mvccpb::Event>& changes)> on_events;
  };
  struct Options {
    bool list = true;
    int64_t start_revision = 0;  // without listing
    // Deletions only (etcd's NOPUT filter), each with the key's previous
    // value (prev_kv).
    bool deletions_only = false;
  };

  EtcdPrefixWatch(EtcdClient* client, std::string prefix, Callbacks callbacks,
                  Options options);
  EtcdPrefixWatch(EtcdClient* client, std::string prefix, Callbacks callbacks)
      : EtcdPrefixWatch(client, std::move(prefix), std::move(callbacks),
                        Options()) {}
  ~EtcdPrefixWatch();
  EtcdPrefixWatch(const EtcdPrefixWatch&) = delete;
  EtcdPrefixWatch& operator=(const EtcdPrefixWatch&) = delete;

  // Waits until the first listing has reached `on_reset`; false when that
  // has not happened within `timeout` (etcd unreachable).
  bool WaitListed(absl::Duration timeout);
  bool listed();

 private:
  void Run();
  // Lists the prefix; the revision it was read at, or 0 when etcd failed.
  int64_t List();
  // One stream, from `next_revision_`, until it breaks or the watch stops.
  void Follow();
  bool StoppingOrListed() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stopping_ || listed_;
  }

  EtcdClient* const client_;
  const std::string prefix_;
  const Callbacks callbacks_;
  const Options options_;
  // Only the thread touches it. 0: list first (or, without listing, from
  // now).
  int64_t next_revision_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool listed_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;  // last: started once every member is set
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_ETCD_ETCD_PREFIX_WATCH_H_
