#include "controller/tokens/etcd_revocation_watch.h"

#include <string>
#include <utility>
#include <vector>

#include "common/logging.h"
#include "grpcpp/grpcpp.h"

namespace porthole::controller {
namespace {

constexpr absl::Duration kReconnectDelay = absl::Milliseconds(200);

std::string PrefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

EtcdRevocationWatch::EtcdRevocationWatch(EtcdClient* client, EtcdTokenKeys keys,
                                         int64_t start_revision,
                                         RevocationListener listener,
                                         UnixClock clock)
    : client_(client),
      keys_(std::move(keys)),
      listener_(std::move(listener)),
      clock_(std::move(clock)),
      next_revision_(start_revision),
      thread_([this] { Run(); }) {}

EtcdRevocationWatch::~EtcdRevocationWatch() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (stream_context_ != nullptr) stream_context_->TryCancel();
  }
  thread_.join();
}

void EtcdRevocationWatch::Run() {
  for (;;) {
    Follow();
    absl::MutexLock lock(&mu_);
    // Sleeps unless stopping; the destructor's write wakes it.
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), kReconnectDelay);
    if (stopping_) return;
  }
}

void EtcdRevocationWatch::Follow() {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stream_context_ = &context;
  }
  // Waits for a member rather than failing at once (which also makes gRPC
  // reconnect after etcd was down); "hasleader": a member cut off from the
  // leader ends the stream instead of going quiet, and the next attempt
  // goes to another member.
  context.set_wait_for_ready(true);
  context.AddMetadata("hasleader", "true");
  auto stream = client_->watch().Watch(&context);
  etcdserverpb::WatchRequest request;
  etcdserverpb::WatchCreateRequest* create = request.mutable_create_request();
  const std::string prefix = keys_.TokensPrefix();
  create->set_key(prefix);
  create->set_range_end(PrefixEnd(prefix));
  create->set_start_revision(next_revision_);
  create->add_filters(etcdserverpb::WatchCreateRequest::NOPUT);
  create->set_prev_kv(true);
  etcdserverpb::WatchResponse response;
  bool followed = false;  // the stream worked: its end is worth a log line
  if (stream->Write(request)) {
    while (stream->Read(&response)) {
      if (response.compact_revision() != 0) {
        LogWarning("tokens",
                   "etcd compacted revocations this replica had not seen; "
                   "following from now ",
                   LogField("compact_revision",
                            std::to_string(response.compact_revision())));
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
      std::vector<RevokedToken> revoked;
      const int64_t now = clock_();
      for (const mvccpb::Event& event : response.events()) {
        next_revision_ = event.kv().mod_revision() + 1;
        if (event.type() != mvccpb::Event::DELETE) continue;
        std::string hash = event.kv().key().substr(prefix.size());
        absl::StatusOr<ConsoleAuthRecord> record =
            DecodeEtcdTokenRecord(hash, event.prev_kv().value());
        // A lease ends after `expires`: a deletion before it is a
        // revocation.
        if (record.ok() && record->expires > now) {
          revoked.push_back({std::move(hash), record->instance_uuid});
        }
      }
      if (!revoked.empty()) listener_(revoked);
    }
  }
  context.TryCancel();
  grpc::Status status = stream->Finish();
  absl::MutexLock lock(&mu_);
  stream_context_ = nullptr;
  if (!stopping_ && followed) {
    LogWarning("tokens", "etcd revocation watch broke; resuming ",
               LogField("error", status.error_message()));
  }
}

}  // namespace porthole::controller
