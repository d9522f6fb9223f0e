#include "controller/etcd/etcd_prefix_watch.h"

#include <utility>

#include "common/logging.h"
#include "grpcpp/grpcpp.h"

namespace porthole::controller {
namespace {

constexpr absl::Duration kRetryDelay = absl::Milliseconds(200);
// Keys per Range page: well under gRPC's 4 MiB message limit for records
// of a few hundred bytes.
constexpr int64_t kPageKeys = 5000;

}  // namespace

EtcdPrefixWatch::EtcdPrefixWatch(EtcdClient* client, std::string prefix,
                                 Callbacks callbacks, Options options)
    : client_(client),
      prefix_(std::move(prefix)),
      callbacks_(std::move(callbacks)),
      options_(options),
      next_revision_(options.list ? 0 : options.start_revision),
      thread_([this] { Run(); }) {}

EtcdPrefixWatch::~EtcdPrefixWatch() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_context_ != nullptr) stream_context_->TryCancel();
  }
  thread_.join();
}

bool EtcdPrefixWatch::WaitListed(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(
      absl::Condition(this, &EtcdPrefixWatch::StoppingOrListed), timeout);
  return listed_;
}

bool EtcdPrefixWatch::listed() {
  absl::MutexLock lock(&mu_);
  return listed_;
}

void EtcdPrefixWatch::Run() {
  for (;;) {
    if (options_.list && next_revision_ == 0) {
      const int64_t revision = List();
      if (revision != 0) next_revision_ = revision + 1;
    }
    if (!options_.list || next_revision_ != 0) Follow();
    absl::MutexLock lock(&mu_);
    // Sleeps unless stopping; the destructor's write wakes it.
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kRetryDelay);
    if (stopping_) return;
  }
}

int64_t EtcdPrefixWatch::List() {
  std::vector<mvccpb::KeyValue> all;
  etcdserverpb::RangeRequest request;
  request.set_key(prefix_);
  request.set_range_end(EtcdPrefixEnd(prefix_));
  request.set_limit(kPageKeys);
  int64_t revision = 0;
  for (;;) {
    absl::StatusOr<etcdserverpb::RangeResponse> page = client_->Range(request);
    if (!page.ok()) {
      LogWarning("etcd", "cannot list ", LogField("prefix", prefix_), ": ",
                 std::string(page.status().message()));
      return 0;
    }
    if (revision == 0) {
      revision = page->header().revision();
      request.set_revision(revision);  // every page at the same revision
    }
    for (mvccpb::KeyValue& kv : *page->mutable_kvs()) {
      all.push_back(std::move(kv));
    }
    if (!page->more() || all.empty()) break;
    request.set_key(all.back().key() + '\0');
  }
  callbacks_.on_reset(all);
  absl::MutexLock lock(&mu_);
  listed_ = true;
  return revision;
}

void EtcdPrefixWatch::Follow() {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stream_context_ = &context;
  }
  // As the revocation watch: wait for a member, and have a member cut off
  // from the leader end the stream rather than go quiet.
  context.set_wait_for_ready(true);
  context.AddMetadata("hasleader", "true");
  auto stream = client_->watch().Watch(&context);
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
  create->set_key(prefix_);
  create->set_range_end(EtcdPrefixEnd(prefix_));
  create->set_start_revision(next_revision_);
  if (options_.deletions_only) {
    create->add_filters(etcdserverpb::WatchCreateRequest::NOPUT);
    create->set_prev_kv(true);
  }
  etcdserverpb::WatchResponse response;
  bool followed = false;  // the stream worked: its end is worth a log line
  if (stream->Write(request)) {
    std::vector<mvccpb::Event> changes;
    while (stream->Read(&response)) {
      if (response.compact_revision() != 0) {
        LogWarning("etcd", "etcd compacted changes not yet seen; ",
                   options_.list ? "listing again " : "following from now ",
                   LogField("prefix", prefix_));
        next_revision_ = 0;
        break;
      }
      if (response.canceled()) break;
      if (response.created()) {
        followed = true;
        if (next_revision_ == 0) {
          next_revision_ = response.header().revision() + 1;
        }
      }
      if (response.events().empty()) continue;
      changes.assign(response.events().begin(), response.events().end());
      next_revision_ = changes.back().kv().mod_revision() + 1;
      callbacks_.on_events(changes);
    }
  }
  context.TryCancel();
  grpc::Status status = stream->Finish();
  absl::MutexLock lock(&mu_);
  stream_context_ = nullptr;
  if (!stopping_ && followed) {
    LogWarning("etcd", "watch broke; resuming ", LogField("prefix", prefix_),
               " ", LogField("error", status.error_message()));
  }
}

}  // namespace porthole::controller
