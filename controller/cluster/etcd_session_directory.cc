#include "controller/cluster/etcd_session_directory.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/uuid.h"

namespace porthole::controller {
namespace {

// Sessions per Range page: well under gRPC's 4 MiB message limit.
constexpr int64_t kPageKeys = 1000;
constexpr absl::Duration kEndPoll = absl::Milliseconds(50);

bool Matches(const ConsoleSessionFilter& filter,
             const ConsoleSessionInfo& info) {
  return (filter.server_id.empty() || info.server_id == filter.server_id) &&
         (filter.user_id.empty() || info.user_id == filter.user_id);
}

}  // namespace

EtcdSessionDirectory::EtcdSessionDirectory(EtcdClient* client,
                                           const ClusterKeys& keys,
                                           ConsoleSessionRegistry* registry,
                                           std::string replica,
                                           absl::Duration end_wait)
    : client_(client),
      keys_(keys),
      registry_(registry),
      replica_(std::move(replica)),
      end_wait_(end_wait) {}

EtcdSessionDirectory::~EtcdSessionDirectory() { Stop(); }

void EtcdSessionDirectory::Start() {
  EtcdPrefixWatch::Options options;
  options.list = false;
  ends_ = std::make_unique<EtcdPrefixWatch>(
      client_, keys_.session_ends,
      EtcdPrefixWatch::Callbacks{
          [](const std::vector<mvccpb::KeyValue>&) {},
          [this](const std::vector<mvccpb::Event>& changes) {
            OnEvents(changes);
          }},
      options);
}

void EtcdSessionDirectory::Stop() { ends_.reset(); }

void EtcdSessionDirectory::OnEvents(const std::vector<mvccpb::Event>& changes) {
  for (const mvccpb::Event& event : changes) {
    if (event.type() != mvccpb::Event::PUT) continue;
    absl::StatusOr<SessionEndRequest> request =
        ParseSessionEndKey(keys_.session_ends, event.kv().key());
    if (!request.ok()) continue;
    size_t ended = 0;
    if (request->scope == SessionEndRequest::Scope::kSession) {
      ended = registry_->End(request->id, SessionEnd::kEndedByAdmin) ? 1 : 0;
    } else {
      ended = registry_->EndForServer(request->id, SessionEnd::kEndedByAdmin);
    }
    if (ended > 0) {
      LogInfo("cluster", "console sessions ended at another replica's request ",
              LogField(request->scope == SessionEndRequest::Scope::kSession
                           ? "session"
                           : "server",
                       request->id),
              " ", LogField("sessions", std::to_string(ended)), " ",
              LogField("asked_by", event.kv().value()));
    }
  }
}

absl::StatusOr<std::vector<ConsoleSessionSnapshot>>
EtcdSessionDirectory::Published(const ConsoleSessionFilter& filter) {
  std::vector<ConsoleSessionSnapshot> out;
  etcdserverpb::RangeRequest request;
  request.set_key(keys_.live_sessions);
  request.set_range_end(EtcdPrefixEnd(keys_.live_sessions));
  request.set_limit(kPageKeys);
  for (;;) {
    absl::StatusOr<etcdserverpb::RangeResponse> page = client_->Range(request);
    if (!page.ok()) return page.status();
    for (const mvccpb::KeyValue& kv : page->kvs()) {
      absl::StatusOr<ConsoleSessionSnapshot> session =
          DecodeSharedSession(kv.value());
      if (session.ok() && Matches(filter, session->info)) {
        out.push_back(*std::move(session));
      }
    }
    if (!page->more() || page->kvs().empty()) break;
    // Page on at one revision, just past the last key seen.
    request.set_key(page->kvs(page->kvs_size() - 1).key() + '\0');
    request.set_revision(page->header().revision());
  }
  return out;
}

absl::StatusOr<std::vector<ConsoleSessionSnapshot>> EtcdSessionDirectory::List(
    const ConsoleSessionFilter& filter) {
  absl::StatusOr<std::vector<ConsoleSessionSnapshot>> published =
      Published(filter);
  if (!published.ok()) return published.status();
  // This replica's own: live counts, and those not published yet.
  std::vector<ConsoleSessionSnapshot> out = registry_->List(filter);
  absl::flat_hash_set<std::string> own;
  for (const ConsoleSessionSnapshot& s : out) own.insert(s.info.id);
  for (ConsoleSessionSnapshot& s : *published) {
    // A record of this replica's that the registry no longer has is a
    // session that just ended and whose delete is on its way.
    if (own.contains(s.info.id) || s.info.replica == replica_) continue;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.info.started != b.info.started) {
      return a.info.started < b.info.started;
    }
    return a.info.id < b.info.id;
  });
  return out;
}

absl::StatusOr<bool> EtcdSessionDirectory::Published(const std::string& id) {
  etcdserverpb::RangeRequest request;
  request.set_key(keys_.live_sessions + id);
  request.set_count_only(true);
  absl::StatusOr<etcdserverpb::RangeResponse> found = client_->Range(request);
  if (!found.ok()) return found.status();
  return found->count() > 0;
}

absl::Status EtcdSessionDirectory::RequestEnd(
    const SessionEndRequest& request) {
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> lease =
      client_->LeaseGrant(absl::ToInt64Seconds(kEndRequestTtl));
  if (!lease.ok()) return lease.status();
  etcdserverpb::TxnRequest txn;
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(SessionEndKey(keys_.session_ends, request));
  put->set_value(replica_);
  put->set_lease(lease->id());
  absl::StatusOr<etcdserverpb::TxnResponse> done = client_->Txn(txn);
  return done.status();
}

absl::StatusOr<SessionDirectory::EndOutcome> EtcdSessionDirectory::End(
    const std::string& id, SessionEnd why) {
  if (registry_->End(id, why)) return EndOutcome::kEnded;
  if (!LooksLikeUuid(id)) return EndOutcome::kNotFound;
  absl::StatusOr<bool> live = Published(id);
  if (!live.ok()) return live.status();
  if (!*live) return EndOutcome::kNotFound;
  if (absl::Status s = RequestEnd({SessionEndRequest::Scope::kSession, id});
      !s.ok()) {
    return s;
  }
  // The session's replica ends it, and its publisher deletes the record.
  const absl::Time deadline = absl::Now() + end_wait_;
  while (absl::Now() < deadline) {
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(kEndPoll));
    live = Published(id);
    if (live.ok() && !*live) return EndOutcome::kEnded;
  }
  return EndOutcome::kRequested;
}

absl::StatusOr<size_t> EtcdSessionDirectory::EndForServer(
    const std::string& server_id, SessionEnd why) {
  absl::StatusOr<std::vector<ConsoleSessionSnapshot>> elsewhere =
      Published(ConsoleSessionFilter{server_id, ""});
  if (!elsewhere.ok()) return elsewhere.status();
  size_t ended = registry_->EndForServer(server_id, why);
  for (const ConsoleSessionSnapshot& s : *elsewhere) {
    if (s.info.replica != replica_) ++ended;
  }
  if (absl::Status s =
          RequestEnd({SessionEndRequest::Scope::kServer, server_id});
      !s.ok()) {
    return s;
  }
  return ended;
}

}  // namespace porthole::controller
