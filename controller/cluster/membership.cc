#include "controller/cluster/membership.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace porthole::controller {
namespace {

int64_t TtlSeconds(absl::Duration ttl) {
  return std::max<int64_t>(
      2, absl::ToInt64Seconds(absl::Ceil(ttl, absl::Seconds(1))));
}

}  // namespace

Membership::Membership(EtcdClient* client, const ClusterKeys& keys,
                       ClusterOptions options, MembersCallback on_members)
    : client_(client),
      members_prefix_(keys.members),
      key_(members_prefix_ + options.name),
      options_(std::move(options)),
      on_members_(std::move(on_members)) {}

Membership::~Membership() { Leave(); }

void Membership::Start() {
  watch_ = std::make_unique<EtcdPrefixWatch>(
      client_, members_prefix_,
      EtcdPrefixWatch::Callbacks{
          [this](const std::vector<mvccpb::KeyValue>& all) { OnReset(all); },
          [this](const std::vector<mvccpb::Event>& changes) {
            OnEvents(changes);
          }});
  keeper_ = std::thread([this] { KeepMembership(); });
}

bool Membership::JoinedOrStopping() const {
  return stopping_ ||
         (lease_ != 0 && listed_ && members_.count(options_.name) > 0);
}

bool Membership::WaitJoined(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &Membership::JoinedOrStopping),
                       timeout);
  return !stopping_ && JoinedOrStopping();
}

void Membership::Leave() {
  int64_t lease = 0;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    lease = lease_;
    lease_ = 0;
  }
  if (keeper_.joinable()) keeper_.join();
  watch_.reset();
  if (lease != 0) {
    if (absl::Status s = client_->LeaseRevoke(lease); !s.ok()) {
      LogWarning("cluster", "could not leave (the others wait for the lease): ",
                 std::string(s.message()));
    }
  }
}

std::vector<std::string> Membership::members() const {
  absl::MutexLock lock(&mu_);
  return {members_.begin(), members_.end()};
}

int64_t Membership::lease() const {
  absl::MutexLock lock(&mu_);
  return lease_;
}

void Membership::KeepMembership() {
  const absl::Duration period =
      absl::Seconds(TtlSeconds(options_.member_ttl)) / 3;
  for (;;) {
    int64_t lease;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      lease = lease_;
    }
    if (lease == 0) {
      Register();
    } else if (absl::StatusOr<int64_t> ttl = client_->LeaseKeepAliveOnce(lease);
               absl::IsNotFound(ttl.status())) {
      LogWarning("cluster", "membership lease expired; joining again ",
                 LogField("replica", options_.name));
      absl::MutexLock lock(&mu_);
      if (lease_ == lease) lease_ = 0;
      continue;
    } else if (!ttl.ok()) {
      LogWarning("cluster", "cannot renew membership: ",
                 std::string(ttl.status().message()));
    }
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), period);
  }
}

bool Membership::Register() {
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> lease =
      client_->LeaseGrant(TtlSeconds(options_.member_ttl));
  if (!lease.ok()) {
    LogWarning("cluster",
               "cannot join: ", std::string(lease.status().message()));
    return false;
  }
  // Only if no one holds the name: a live replica with the same name, or
  // this one's previous run until its lease ends.
  etcdserverpb::TxnRequest txn;
  etcdserverpb::Compare* absent = txn.add_compare();
  absent->set_key(key_);
  absent->set_target(etcdserverpb::Compare::CREATE);
  absent->set_result(etcdserverpb::Compare::EQUAL);
  absent->set_create_revision(0);
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(key_);
  put->set_lease(lease->id());
  absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(txn);
  if (done.ok() && done->succeeded()) {
    LogInfo("cluster", "joined ", LogField("replica", options_.name), " ",
            LogField("ttl_s", std::to_string(lease->ttl())));
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      stopping = stopping_;
      if (!stopping) lease_ = lease->id();
    }
    // Leave() ran meanwhile and revoked nothing: undo this one.
    if (stopping) client_->LeaseRevoke(lease->id()).IgnoreError();
    return !stopping;
  }
  client_->LeaseRevoke(lease->id()).IgnoreError();
  LogWarning("cluster",
             done.ok()
                 ? absl::StrCat("another live replica holds the name ",
                                options_.name, "; waiting for its lease to end")
                 : absl::StrCat("cannot join: ", done.status().message()));
  return false;
}

void Membership::OnReset(const std::vector<mvccpb::KeyValue>& all) {
  std::vector<std::string> now;
  {
    absl::MutexLock lock(&mu_);
    members_.clear();
    for (const mvccpb::KeyValue& kv : all) {
      members_.insert(kv.key().substr(members_prefix_.size()));
    }
    listed_ = true;
    now.assign(members_.begin(), members_.end());
  }
  if (on_members_) on_members_(now);
}

void Membership::OnEvents(const std::vector<mvccpb::Event>& changes) {
  std::vector<std::string> now;
  {
    absl::MutexLock lock(&mu_);
    const std::set<std::string> before = members_;
    for (const mvccpb::Event& event : changes) {
      std::string name = event.kv().key().substr(members_prefix_.size());
      if (event.type() == mvccpb::Event::DELETE) {
        members_.erase(name);
      } else {
        members_.insert(std::move(name));
      }
    }
    if (members_ == before) return;  // a renewal rewrote nothing new
    now.assign(members_.begin(), members_.end());
  }
  if (on_members_) on_members_(now);
}

}  // namespace porthole::controller
