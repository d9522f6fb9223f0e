#include "controller/cluster/etcd_fleet_index.h"

#include <set>
#include <utility>

#include "common/logging.h"
#include "porthole/agent/v1/contract.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
namespace cv1 = fleet::v1;

// etcd refuses a Txn of more than --max-txn-ops (default 128) operations.
constexpr size_t kPutsPerTxn = 100;
constexpr absl::Duration kRetryDelay = absl::Milliseconds(200);

cv1::IndexedServer RecordOf(const std::string& host, const v1::Domain& d) {
  cv1::IndexedServer record;
  record.set_host(host);
  record.set_state(d.state());
  record.set_project_id(d.project_id());
  record.set_user_id(d.user_id());
  record.set_name(d.name());
  record.set_display_name(d.display_name());
  return record;
}

bool Same(const google::protobuf::Message& a,
          const google::protobuf::Message& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

}  // namespace

EtcdFleetIndex::EtcdFleetIndex(EtcdClient* client, const ClusterKeys& keys,
                               std::string replica)
    : client_(client),
      keys_(keys),
      replica_(std::move(replica)),
      cache_(keys) {}

EtcdFleetIndex::~EtcdFleetIndex() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  watch_.reset();
}

void EtcdFleetIndex::Start() {
  watch_ = std::make_unique<EtcdPrefixWatch>(
      client_, keys_.fleet,
      EtcdPrefixWatch::Callbacks{
          [this](const std::vector<mvccpb::KeyValue>& all) {
            cache_.Reset(all);
          },
          [this](const std::vector<mvccpb::Event>& changes) {
            cache_.Apply(changes);
          }});
  writer_ = std::thread([this] { WriteLoop(); });
}

bool EtcdFleetIndex::WaitListed(absl::Duration timeout) {
  return watch_ != nullptr && watch_->WaitListed(timeout);
}

bool EtcdFleetIndex::QueueDrained() const {
  return stopping_ || (queue_.empty() && !busy_);
}

bool EtcdFleetIndex::Flush(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
             absl::Condition(this, &EtcdFleetIndex::QueueDrained), timeout) &&
         !stopping_;
}

void EtcdFleetIndex::Publish(const std::string& host,
                             const v1::WatchDomainsResponse& message) {
  absl::MutexLock lock(&mu_);
  queue_.push_back({host, message});
}

void EtcdFleetIndex::PublishHostDown(const std::string& host) {
  absl::MutexLock lock(&mu_);
  queue_.push_back({host, std::nullopt});
}

void EtcdFleetIndex::WriteLoop() {
  for (;;) {
    Work work;
    {
      absl::MutexLock lock(&mu_);
      busy_ = false;
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      work = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    for (;;) {
      absl::Status done = Apply(work.host, Plan(work));
      if (done.ok()) break;
      LogWarning("cluster", "cannot update the fleet index; retrying ",
                 LogField("host", work.host), " ",
                 LogField("error", std::string(done.message())));
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), kRetryDelay);
      if (stopping_) return;
    }
  }
}

void EtcdFleetIndex::Remember(const std::string& uuid, Known written) {
  Forget(uuid);
  written_on_host_[written.record.host()].insert(uuid);
  written_[uuid] = std::move(written);
}

void EtcdFleetIndex::Forget(const std::string& uuid) {
  auto it = written_.find(uuid);
  if (it == written_.end()) return;
  auto on_host = written_on_host_.find(it->second.record.host());
  if (on_host != written_on_host_.end()) {
    on_host->second.erase(uuid);
    if (on_host->second.empty()) written_on_host_.erase(on_host);
  }
  written_.erase(it);
}

std::optional<EtcdFleetIndex::Known> EtcdFleetIndex::Newest(
    const std::string& uuid) const {
  std::optional<Known> known;
  if (std::optional<IndexedEntry> seen = cache_.Entry(uuid)) {
    known = Known{std::move(seen->record), seen->mod_revision};
  }
  auto mine = written_.find(uuid);
  if (mine != written_.end() &&
      (!known || mine->second.mod_revision >= known->mod_revision)) {
    known = mine->second;
  }
  return known;
}

void EtcdFleetIndex::PlanUpsert(const std::string& host, const v1::Domain& d,
                                Writes* writes) const {
  cv1::IndexedServer record = RecordOf(host, d);
  std::optional<Known> known = Newest(d.uuid());
  if (known && Same(known->record, record)) return;
  if (known && known->record.host() != host &&
      v1::IsActive(known->record.state()) && !v1::IsActive(d.state())) {
    // The copy a migration leaves on its source: the active one stays,
    // unless its host is known to be down (its record may not have reached
    // this replica yet: not known down).
    std::optional<cv1::IndexedHost> other = cache_.Host(known->record.host());
    if (!other || (other->in_sync() && other->libvirt_connected())) return;
  }
  writes->puts[d.uuid()] = std::move(record);
}

void EtcdFleetIndex::PlanHost(const std::string& host, bool in_sync,
                              bool libvirt, Writes* writes) const {
  cv1::IndexedHost record;
  record.set_owner(replica_);
  record.set_in_sync(in_sync);
  record.set_libvirt_connected(libvirt);
  std::optional<cv1::IndexedHost> known = cache_.Host(host);
  if (!known || !Same(*known, record)) writes->host = std::move(record);
}

EtcdFleetIndex::Writes EtcdFleetIndex::Plan(const Work& work) const {
  Writes writes;
  const std::string& host = work.host;
  if (!work.message) {
    std::optional<cv1::IndexedHost> known = cache_.Host(host);
    PlanHost(host, false, known && known->libvirt_connected(), &writes);
    return writes;
  }
  const v1::WatchDomainsResponse& message = *work.message;
  switch (message.change()) {
    case v1::CHANGE_TYPE_SNAPSHOT:
    case v1::CHANGE_TYPE_RESYNCED: {
      std::set<std::string> present;
      for (const v1::Domain& d : message.domains()) {
        present.insert(d.uuid());
        PlanUpsert(host, d, &writes);
      }
      std::set<std::string> placed;
      for (const auto& [uuid, revision] : cache_.ServersOn(host)) {
        placed.insert(uuid);
      }
      if (auto mine = written_on_host_.find(host);
          mine != written_on_host_.end()) {
        placed.insert(mine->second.begin(), mine->second.end());
      }
      for (const std::string& uuid : placed) {
        if (present.count(uuid) > 0) continue;
        std::optional<Known> known = Newest(uuid);
        if (known && known->record.host() == host) {
          writes.deletes.emplace_back(uuid, known->mod_revision);
        }
      }
      PlanHost(host, true, message.libvirt_connected(), &writes);
      break;
    }
    case v1::CHANGE_TYPE_DISCONNECTED:
    case v1::CHANGE_TYPE_HEARTBEAT:
      PlanHost(host, true, message.libvirt_connected(), &writes);
      break;
    case v1::CHANGE_TYPE_UNDEFINED:
      for (const v1::Domain& d : message.domains()) {
        std::optional<Known> known = Newest(d.uuid());
        if (known && known->record.host() == host) {
          writes.deletes.emplace_back(d.uuid(), known->mod_revision);
        }
      }
      break;
    default:
      for (const v1::Domain& d : message.domains()) {
        PlanUpsert(host, d, &writes);
      }
      break;
  }
  return writes;
}

absl::Status EtcdFleetIndex::Apply(const std::string& host,
                                   const Writes& writes) {
  // Servers first, then the host: a replica that sees the host in sync
  // finds its servers. With no delete in between, the host's record rides
  // in the last transaction of puts (one transaction per snapshot).
  bool host_pending = writes.host.has_value();
  auto AddHostPut = [&](etcdserverpb::TxnRequest* txn) {
    etcdserverpb::PutRequest* put = txn->add_success()->mutable_request_put();
    put->set_key(keys_.hosts + host);
    put->set_value(writes.host->SerializeAsString());
    host_pending = false;
  };
  auto it = writes.puts.begin();
  while (it != writes.puts.end()) {
    etcdserverpb::TxnRequest txn;
    std::vector<std::map<std::string, cv1::IndexedServer>::const_iterator>
        batch;
    for (; it != writes.puts.end() && batch.size() < kPutsPerTxn; ++it) {
      etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
      put->set_key(keys_.servers + it->first);
      put->set_value(it->second.SerializeAsString());
      batch.push_back(it);
    }
    if (it == writes.puts.end() && host_pending && writes.deletes.empty()) {
      AddHostPut(&txn);
    }
    absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(txn);
    if (!done.ok()) return done.status();
    for (const auto& put : batch) {
      Remember(put->first, Known{put->second, done->header().revision()});
    }
  }
  for (const auto& [uuid, revision] : writes.deletes) {
    etcdserverpb::TxnRequest txn;
    const std::string key = keys_.servers + uuid;
    etcdserverpb::Compare* same = txn.add_compare();
    same->set_key(key);
    same->set_target(etcdserverpb::Compare::MOD);
    same->set_result(etcdserverpb::Compare::EQUAL);
    same->set_mod_revision(revision);
    txn.add_success()->mutable_request_delete_range()->set_key(key);
    absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(txn);
    if (!done.ok()) return done.status();
    // Not succeeded: someone wrote the key since (the server moved).
    Forget(uuid);
  }
  if (host_pending) {
    etcdserverpb::TxnRequest txn;
    AddHostPut(&txn);
    if (absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(txn);
        !done.ok()) {
      return done.status();
    }
  }
  return absl::OkStatus();
}

std::optional<Server> EtcdFleetIndex::Find(std::string_view uuid) const {
  return cache_.Find(uuid);
}

absl::StatusOr<std::optional<Server>> EtcdFleetIndex::Read(
    std::string_view uuid) {
  etcdserverpb::RangeRequest request;
  const std::string id(uuid);
  request.set_key(keys_.servers + id);
  absl::StatusOr<etcdserverpb::RangeResponse> found = client_->Range(request);
  if (!found.ok()) return found.status();
  cv1::IndexedServer record;
  if (found->kvs().empty() || !record.ParseFromString(found->kvs(0).value())) {
    return std::optional<Server>();
  }
  return std::optional<Server>(cache_.ToServer(id, record));
}

std::vector<Server> EtcdFleetIndex::List() const { return cache_.List(); }

std::vector<std::string> EtcdFleetIndex::NotInSync(
    const std::vector<std::string>& hosts) const {
  return cache_.NotInSync(hosts);
}

}  // namespace porthole::controller
