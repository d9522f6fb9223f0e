#include "controller/cluster/session_publisher.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "common/logging.h"
#include "controller/cluster/shared_session.h"

namespace porthole::controller {
namespace {

// etcd refuses a transaction of more than --max-txn-ops (128 by default).
constexpr size_t kOpsPerTxn = 100;
// How often the thread looks at the registry's stopping flag and the
// membership lease while nothing changes.
constexpr absl::Duration kWakeUp = absl::Milliseconds(250);
constexpr absl::Duration kRetryAfter = absl::Seconds(1);

}  // namespace

SessionPublisher::SessionPublisher(EtcdClient* client, const ClusterKeys& keys,
                                   const ConsoleSessionRegistry* registry,
                                   const Membership* membership,
                                   absl::Duration bytes_interval)
    : client_(client),
      prefix_(keys.live_sessions),
      registry_(registry),
      membership_(membership),
      bytes_interval_(bytes_interval) {}

SessionPublisher::~SessionPublisher() { Stop(); }

void SessionPublisher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void SessionPublisher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool SessionPublisher::Stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

size_t SessionPublisher::published() const {
  absl::MutexLock lock(&mu_);
  return written_.size();
}

void SessionPublisher::Run() {
  uint64_t seen = registry_->generation();
  bool dirty = true;  // something may differ from what etcd holds
  int64_t lease_written = 0;
  absl::Time bytes_due = absl::Now() + bytes_interval_;
  absl::Time retry_at = absl::InfinitePast();
  while (!Stopping()) {
    const absl::Time now = absl::Now();
    const uint64_t generation = registry_->AwaitChange(
        seen, std::clamp(bytes_due - now, absl::ZeroDuration(), kWakeUp));
    if (generation != seen) dirty = true;
    seen = generation;
    const int64_t lease = membership_->lease();
    if (lease == 0) continue;  // not a member (yet, or again)
    if (lease != lease_written) {
      // The records went with the old lease: write everything anew.
      absl::MutexLock lock(&mu_);
      written_.clear();
      lease_written = lease;
      dirty = true;
    }
    const bool with_bytes = absl::Now() >= bytes_due;
    if ((!dirty && !with_bytes) || absl::Now() < retry_at) continue;
    absl::Status s = Publish(registry_->List(), lease, with_bytes);
    if (!s.ok()) {
      LogWarning("cluster",
                 "cannot publish console sessions: ", std::string(s.message()));
      retry_at = absl::Now() + kRetryAfter;
      continue;
    }
    dirty = false;
    if (with_bytes) bytes_due = absl::Now() + bytes_interval_;
  }
}

absl::Status SessionPublisher::Publish(
    const std::vector<ConsoleSessionSnapshot>& now, int64_t lease,
    bool with_bytes) {
  // (key, value or nullopt to delete, what is written once it is)
  struct Op {
    std::string id;
    std::optional<std::string> value;
    Written written;
  };
  std::vector<Op> ops;
  absl::flat_hash_set<std::string> live;
  {
    absl::MutexLock lock(&mu_);
    for (const ConsoleSessionSnapshot& s : now) {
      live.insert(s.info.id);
      auto it = written_.find(s.info.id);
      const bool moved =
          it != written_.end() && (it->second.bytes_up != s.bytes_up ||
                                   it->second.bytes_down != s.bytes_down);
      if (it == written_.end() || (with_bytes && moved)) {
        ops.push_back({s.info.id, EncodeSharedSession(s),
                       Written{s.bytes_up, s.bytes_down}});
      }
    }
    for (const auto& [id, written] : written_) {
      if (!live.contains(id)) ops.push_back({id, std::nullopt, {}});
    }
  }
  for (size_t begin = 0; begin < ops.size(); begin += kOpsPerTxn) {
    const size_t end = std::min(ops.size(), begin + kOpsPerTxn);
    etcdserverpb::TxnRequest txn;
    for (size_t i = begin; i < end; ++i) {
      if (ops[i].value) {
        etcdserverpb::PutRequest* put =
            txn.add_success()->mutable_request_put();
        put->set_key(prefix_ + ops[i].id);
        put->set_value(*ops[i].value);
        put->set_lease(lease);
      } else {
        txn.add_success()->mutable_request_delete_range()->set_key(prefix_ +
                                                                   ops[i].id);
      }
    }
    absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(txn);
    if (!done.ok()) return done.status();
    absl::MutexLock lock(&mu_);
    for (size_t i = begin; i < end; ++i) {
      if (ops[i].value) {
        written_[ops[i].id] = ops[i].written;
      } else {
        written_.erase(ops[i].id);
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace porthole::controller
