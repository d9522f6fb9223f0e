#ifndef PORTHOLE_CONTROLLER_TOKENS_ETCD_REVOCATION_WATCH_H_
#define PORTHOLE_CONTROLLER_TOKENS_ETCD_REVOCATION_WATCH_H_

#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/tokens/etcd_client.h"
#include "controller/tokens/etcd_token_record.h"
#include "controller/tokens/token_store.h"

namespace grpc {
class ClientContext;
}

namespace porthole::controller {

// Follows the deletions under PREFIX/tokens/ with an etcd watch on a thread
// of its own and tells `listener` of the tokens deleted before their expiry
// (by any replica's DeleteForInstance); deletions by lease expiry are not
// revocations and are not reported. The watch starts at `start_revision`
// (0: now) and resumes after the last revision it saw whenever the stream
// breaks (etcd restarted, member lost), so no revocation is missed unless
// etcd compacted it away meanwhile (logged). The destructor cancels the
// stream and joins the thread; `client` must outlive the watch.
class EtcdRevocationWatch {
 public:
  EtcdRevocationWatch(EtcdClient* client, EtcdTokenKeys keys,
                      int64_t start_revision, RevocationListener listener,
                      UnixClock clock);
  ~EtcdRevocationWatch();
  EtcdRevocationWatch(const EtcdRevocationWatch&) = delete;
  EtcdRevocationWatch& operator=(const EtcdRevocationWatch&) = delete;

 private:
  void Run();
  // One stream, until it breaks or the watch stops.
  void Follow();

  EtcdClient* const client_;
  const EtcdTokenKeys keys_;
  const RevocationListener listener_;
  const UnixClock clock_;
  int64_t next_revision_;  // only the thread touches it

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* stream_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread thread_;  // last: started once every member is set
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_ETCD_REVOCATION_WATCH_H_
