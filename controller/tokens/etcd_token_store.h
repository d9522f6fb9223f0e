#ifndef PORTHOLE_CONTROLLER_TOKENS_ETCD_TOKEN_STORE_H_
#define PORTHOLE_CONTROLLER_TOKENS_ETCD_TOKEN_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/etcd/etcd_client.h"
#include "controller/etcd/etcd_store_options.h"
#include "controller/tokens/etcd_revocation_watch.h"
#include "controller/tokens/etcd_token_record.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// The TokenStore that any number of controller replicas share: etcd v3
// (Raft: a token written through one member is read through any other; a
// member may die without losing one). Keys and values: etcd_token_record.h.
//   Insert             one Txn: if PREFIX/tokens/HASH was never created, put
//                      it and its index key, both on the bucket's lease
//   FindValid          a linearizable get, then `expires > now`
//   MarkUsed           a get, then one Txn: if the token key is the one
//                      read and PREFIX/used/HASH was never created, put it
//                      on the token's lease
//   DeleteForInstance  the index's keys, then one Txn per 64 tokens
//                      deleting each token key and its index key
//   PurgeExpired       nothing: the bucket leases remove expired tokens
// Revocations made by any replica reach the listener through an etcd watch
// (EtcdRevocationWatch) within milliseconds. Every call ends within the
// options' call_timeout, with UNAVAILABLE when etcd cannot answer; the
// store recovers by itself when etcd does. Thread-safe.
class EtcdTokenStore : public TokenStore {
 public:
  // Fails only for options that cannot work (TLS files, endpoints that do
  // not resolve); etcd down at start is logged, and calls answer
  // UNAVAILABLE until it is up.
  static absl::StatusOr<std::unique_ptr<EtcdTokenStore>> Open(
      const EtcdStoreOptions& options);
  ~EtcdTokenStore() override;

  // INVALID_ARGUMENT unless record.token_hash is a SHA-256 hex digest.
  absl::Status Insert(const ConsoleAuthRecord& record) override;
  absl::StatusOr<std::optional<ConsoleAuthRecord>> FindValid(
      std::string_view token_hash, int64_t now) override;
  absl::StatusOr<bool> MarkUsed(std::string_view token_hash,
                                int64_t now) override;
  absl::StatusOr<int> DeleteForInstance(std::string_view uuid) override;
  absl::StatusOr<int> PurgeExpired(int64_t now) override;
  // Starts (or restarts) the watch from the store's current revision: every
  // revocation committed after this returns is reported.
  void SetRevocationListener(RevocationListener listener) override;

 private:
  EtcdTokenStore(const EtcdStoreOptions& options,
                 std::unique_ptr<EtcdClient> client);

  // The lease of the bucket `expires` falls in (an expiry already past
  // counts from now), granted on first use.
  absl::StatusOr<int64_t> LeaseFor(int64_t expires);
  // etcd no longer knows `lease` (expired early, etcd's data lost).
  void ForgetLease(int64_t lease);
  absl::Status InsertOnLease(const ConsoleAuthRecord& record, int64_t lease);

  const std::unique_ptr<EtcdClient> client_;
  const EtcdTokenKeys keys_;
  const int64_t bucket_seconds_;

  absl::Mutex lease_mu_;
  // Bucket number (expiry / bucket_seconds_) -> lease id.
  std::map<int64_t, int64_t> leases_ ABSL_GUARDED_BY(lease_mu_);

  absl::Mutex watch_mu_;
  std::unique_ptr<EtcdRevocationWatch> watch_ ABSL_GUARDED_BY(watch_mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_ETCD_TOKEN_STORE_H_
