#include "controller/tokens/etcd_token_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller {
namespace {

// etcd refuses a Txn of more than --max-txn-ops (default 128) operations;
// a token takes two (its key and its index key).
constexpr size_t kTokensPerDeleteTxn = 64;

void AddDelete(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops,
               std::string key) {
  ops->Add()->mutable_request_delete_range()->set_key(std::move(key));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdTokenStore>> EtcdTokenStore::Open(
    const EtcdStoreOptions& options) {
  if (options.endpoints.empty()) {
    return absl::InvalidArgumentError("etcd token store: no endpoint");
  }
  absl::StatusOr<std::unique_ptr<EtcdClient>> client =
      EtcdClient::Connect(options);
  if (!client.ok()) return client.status();
  std::unique_ptr<EtcdTokenStore> store(
      new EtcdTokenStore(options, *std::move(client)));
  // A probe, so that a wrong address or certificate shows up in the log at
  // start rather than at the first console.
  etcdserverpb::RangeRequest probe;
  probe.set_key(store->keys_.TokensPrefix());
  probe.set_limit(1);
  probe.set_keys_only(true);
  if (auto answer = store->client_->Range(probe); !answer.ok()) {
    LogWarning("tokens", "etcd token store not reachable yet ",
               LogField("error", answer.status().ToString()));
  }
  return store;
}

EtcdTokenStore::EtcdTokenStore(const EtcdStoreOptions& options,
                               std::unique_ptr<EtcdClient> client)
    : client_(std::move(client)),
      keys_{options.prefix},
      bucket_seconds_(std::max<int64_t>(1, options.lease_bucket_seconds)) {}

EtcdTokenStore::~EtcdTokenStore() {
  absl::MutexLock lock(&watch_mu_);
  watch_.reset();
}

absl::StatusOr<int64_t> EtcdTokenStore::LeaseFor(int64_t expires) {
  const int64_t now = SystemUnixSeconds();
  const int64_t bucket = std::max(expires, now) / bucket_seconds_;
  absl::MutexLock lock(&lease_mu_);
  // Buckets whose leases have ended by now are never asked for again.
  while (!leases_.empty() &&
         (leases_.begin()->first + 2) * bucket_seconds_ < now) {
    leases_.erase(leases_.begin());
  }
  if (auto it = leases_.find(bucket); it != leases_.end()) return it->second;
  // Outlives every expiry in the bucket by at least one bucket. Held under
  // the lock: one grant per bucket, within the call timeout.
  const int64_t ttl = (bucket + 2) * bucket_seconds_ - now;
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> granted =
      client_->LeaseGrant(ttl);
  if (!granted.ok()) return granted.status();
  if (!granted->error().empty()) {
    return absl::InternalError(
        absl::StrCat("etcd lease grant: ", granted->error()));
  }
  leases_[bucket] = granted->id();
  return granted->id();
}

void EtcdTokenStore::ForgetLease(int64_t lease) {
  absl::MutexLock lock(&lease_mu_);
  std::erase_if(leases_,
                [lease](const auto& entry) { return entry.second == lease; });
}

absl::Status EtcdTokenStore::Insert(const ConsoleAuthRecord& record) {
  if (!LooksLikeTokenHash(record.token_hash)) {
    return absl::InvalidArgumentError(
        "token_hash must be a SHA-256 as 64 lowercase hex digits");
  }
  absl::StatusOr<int64_t> lease = LeaseFor(record.expires);
  if (!lease.ok()) return lease.status();
  absl::Status inserted = InsertOnLease(record, *lease);
  if (!absl::IsNotFound(inserted)) return inserted;
  // "requested lease not found": the lease ended before its time (etcd lost
  // its data, or the clock jumped). Once more on a new one.
  LogWarning("tokens", "etcd lost a token lease; granting another ",
             LogField("error", inserted.ToString()));
  ForgetLease(*lease);
  lease = LeaseFor(record.expires);
  if (!lease.ok()) return lease.status();
  return InsertOnLease(record, *lease);
}

absl::Status EtcdTokenStore::InsertOnLease(const ConsoleAuthRecord& record,
                                           int64_t lease) {
  const std::string key = keys_.Token(record.token_hash);
  etcdserverpb::TxnRequest txn;
  etcdserverpb::Compare* absent = txn.add_compare();
  absent->set_key(key);
  absent->set_target(etcdserverpb::Compare::CREATE);
  absent->set_result(etcdserverpb::Compare::EQUAL);
  absent->set_create_revision(0);
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(EncodeEtcdTokenRecord(record));
  put->set_lease(lease);
  etcdserverpb::PutRequest* index = txn.add_success()->mutable_request_put();
  index->set_key(keys_.InstanceToken(record.instance_uuid, record.token_hash));
  index->set_lease(lease);
  absl::StatusOr<etcdserverpb::TxnResponse> answer = client_->Txn(txn);
  if (!answer.ok()) return answer.status();
  if (!answer->succeeded()) {
    return absl::AlreadyExistsError("a console token with this hash exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<ConsoleAuthRecord>> EtcdTokenStore::FindValid(
    std::string_view token_hash, int64_t now) {
  // Nothing else was ever stored: no round trip for a raw token or junk.
  if (!LooksLikeTokenHash(token_hash)) return std::nullopt;
  etcdserverpb::RangeRequest get;
  get.set_key(keys_.Token(token_hash));
  // Linearizable (the default): a lagging member must not miss a token
  // just issued through another, nor answer one just revoked.
  absl::StatusOr<etcdserverpb::RangeResponse> answer = client_->Range(get);
  if (!answer.ok()) return answer.status();
  if (answer->kvs_size() == 0) return std::nullopt;
  absl::StatusOr<ConsoleAuthRecord> record =
      DecodeEtcdTokenRecord(token_hash, answer->kvs(0).value());
  if (!record.ok()) return record.status();
  // The lease ends late: `expires` decides.
  if (record->expires <= now) return std::nullopt;
  return *std::move(record);
}

absl::StatusOr<bool> EtcdTokenStore::MarkUsed(std::string_view token_hash,
                                              int64_t now) {
  if (!LooksLikeTokenHash(token_hash)) {
    return absl::NotFoundError("no valid console token with this hash");
  }
  const std::string key = keys_.Token(token_hash);
  etcdserverpb::RangeRequest get;
  get.set_key(key);
  absl::StatusOr<etcdserverpb::RangeResponse> read = client_->Range(get);
  if (!read.ok()) return read.status();
  if (read->kvs_size() == 0) {
    return absl::NotFoundError("no valid console token with this hash");
  }
  const mvccpb::KeyValue& kv = read->kvs(0);
  absl::StatusOr<ConsoleAuthRecord> record =
      DecodeEtcdTokenRecord(token_hash, kv.value());
  if (!record.ok()) return record.status();
  if (record->expires <= now) {
    return absl::NotFoundError("no valid console token with this hash");
  }
  // The mark goes only with the token read (not revoked, not a new one
  // since), and only once: of two replicas racing, one Txn succeeds.
  etcdserverpb::TxnRequest txn;
  etcdserverpb::Compare* same = txn.add_compare();
  same->set_key(key);
  same->set_target(etcdserverpb::Compare::CREATE);
  same->set_result(etcdserverpb::Compare::EQUAL);
  same->set_create_revision(kv.create_revision());
  etcdserverpb::Compare* unmarked = txn.add_compare();
  unmarked->set_key(keys_.Used(token_hash));
  unmarked->set_target(etcdserverpb::Compare::CREATE);
  unmarked->set_result(etcdserverpb::Compare::EQUAL);
  unmarked->set_create_revision(0);
  etcdserverpb::PutRequest* mark = txn.add_success()->mutable_request_put();
  mark->set_key(keys_.Used(token_hash));
  mark->set_lease(kv.lease());  // goes with the token
  // On failure, tell "marked" from "revoked meanwhile".
  etcdserverpb::RangeRequest* again =
      txn.add_failure()->mutable_request_range();
  again->set_key(key);
  again->set_keys_only(true);
  absl::StatusOr<etcdserverpb::TxnResponse> answer = client_->Txn(txn);
  if (!answer.ok()) return answer.status();
  if (answer->succeeded()) return true;
  if (answer->responses_size() == 0 ||
      answer->responses(0).response_range().kvs_size() == 0) {
    return absl::NotFoundError("no valid console token with this hash");
  }
  return false;
}

absl::StatusOr<int> EtcdTokenStore::DeleteForInstance(std::string_view uuid) {
  const std::string index_prefix = keys_.InstancePrefix(uuid);
  etcdserverpb::RangeRequest list;
  list.set_key(index_prefix);
  list.set_range_end(EtcdPrefixEnd(index_prefix));
  list.set_keys_only(true);
  absl::StatusOr<etcdserverpb::RangeResponse> listed = client_->Range(list);
  if (!listed.ok()) return listed.status();
  // Each token key and index key deleted by name: a token inserted
  // meanwhile keeps both of its keys, so it stays revocable.
  int deleted = 0;
  const int total = listed->kvs_size();
  for (int first = 0; first < total;
       first += static_cast<int>(kTokensPerDeleteTxn)) {
    const int last =
        std::min(total, first + static_cast<int>(kTokensPerDeleteTxn));
    etcdserverpb::TxnRequest txn;
    for (int i = first; i < last; ++i) {
      const std::string& index_key = listed->kvs(i).key();
      AddDelete(txn.mutable_success(),
                keys_.Token(index_key.substr(index_prefix.size())));
      AddDelete(txn.mutable_success(), index_key);
    }
    absl::StatusOr<etcdserverpb::TxnResponse> answer = client_->Txn(txn);
    if (!answer.ok()) return answer.status();
    for (int op = 0; op < answer->responses_size(); op += 2) {
      deleted += static_cast<int>(
          answer->responses(op).response_delete_range().deleted());
    }
  }
  return deleted;
}

absl::StatusOr<int> EtcdTokenStore::PurgeExpired(int64_t /*now*/) { return 0; }

void EtcdTokenStore::SetRevocationListener(RevocationListener listener) {
  absl::MutexLock lock(&watch_mu_);
  watch_.reset();
  if (!listener) return;
  // From the revision after now, so that nothing committed after this call
  // is missed however late the stream is set up. etcd down: from whenever
  // the stream first works.
  int64_t start = 0;
  etcdserverpb::RangeRequest head;
  head.set_key(keys_.TokensPrefix());
  head.set_limit(1);
  head.set_keys_only(true);
  if (auto answer = client_->Range(head); answer.ok()) {
    start = answer->header().revision() + 1;
  }
  watch_ = std::make_unique<EtcdRevocationWatch>(
      client_.get(), keys_, start, std::move(listener), SystemUnixSeconds);
}

}  // namespace porthole::controller
