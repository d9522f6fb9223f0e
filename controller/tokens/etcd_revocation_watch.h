#ifndef PORTHOLE_CONTROLLER_TOKENS_ETCD_REVOCATION_WATCH_H_
#define PORTHOLE_CONTROLLER_TOKENS_ETCD_REVOCATION_WATCH_H_

#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "controller/etcd/etcd_client.h"
#include "controller/etcd/etcd_prefix_watch.h"
#include "controller/tokens/etcd_token_record.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// Follows the deletions under PREFIX/tokens/ (an EtcdPrefixWatch, on a
// thread of its own) and tells `listener` of the tokens deleted before
// their expiry (by any replica's DeleteForInstance); deletions by lease
// expiry are not revocations and are not reported. The watch starts at
// `start_revision` (0: now) and resumes after the last revision it saw
// whenever the stream breaks (etcd restarted, member lost), so no
// revocation is missed unless etcd compacted it away meanwhile (logged).
// The destructor stops the watch; `client` must outlive it.
class EtcdRevocationWatch {
 public:
  EtcdRevocationWatch(EtcdClient* client, EtcdTokenKeys keys,
                      int64_t start_revision, RevocationListener listener,
                      UnixClock clock);
  EtcdRevocationWatch(const EtcdRevocationWatch&) = delete;
  EtcdRevocationWatch& operator=(const EtcdRevocationWatch&) = delete;

 private:
  void OnDeletions(const std::vector<mvccpb::Event>& deletions);

  const EtcdTokenKeys keys_;
  const RevocationListener listener_;
  const UnixClock clock_;
  EtcdPrefixWatch watch_;  // last: started once every member is set
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_ETCD_REVOCATION_WATCH_H_
