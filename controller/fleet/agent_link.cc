#include "controller/fleet/agent_link.h"

#include <algorithm>
#include <utility>

#include "common/logging.h"

namespace porthole::controller {

namespace v1 = agent::v1;

void AgentLink::Operation::OnEvent(bool ok) {
  (link_->*step_)(ok);
  // The step has counted whatever it started; this operation is done, and
  // after this the link may be gone.
  absl::MutexLock lock(&link_->mu_);
  --link_->pending_;
}

AgentLink::AgentLink(
    AgentEndpoint endpoint,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    BackoffOptions backoff, WatchEvents events, CompletionLoop* loop)
    : endpoint_(std::move(endpoint)),
      backoff_(backoff),
      events_(std::move(events)),
      loop_(loop),
      next_backoff_(backoff.min) {
  channel_ = NewAgentChannel(endpoint_.address, credentials, backoff_);
  stub_ = v1::ConsoleAgent::NewStub(channel_);
}

AgentLink::~AgentLink() { Stop(); }

void AgentLink::Start() {
  absl::MutexLock lock(&mu_);
  if (!stopping_ && pending_ == 0) OpenStreamLocked();
}

// gRPC's asynchronous API never completes an operation on the calling
// thread, so the link's lock may be held across these calls.
void AgentLink::Stop() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  if (context_ != nullptr) context_->TryCancel();
  if (alarm_ != nullptr) alarm_->Cancel();
  mu_.Await(absl::Condition(this, &AgentLink::Idle));
}

void AgentLink::RetryNow() {
  absl::MutexLock lock(&mu_);
  if (alarm_ != nullptr) alarm_->Cancel();  // OnBackoffDone opens the stream
}

void AgentLink::OpenStreamLocked() {
  reader_.reset();
  context_ = std::make_unique<grpc::ClientContext>();
  message_ = std::make_unique<v1::WatchDomainsResponse>();
  got_any_ = false;
  reader_ = stub_->PrepareAsyncWatchDomains(
      context_.get(), v1::WatchDomainsRequest(), loop_->queue());
  ++pending_;
  reader_->StartCall(&started_);
}

void AgentLink::ReadNext() {
  {
    absl::MutexLock lock(&mu_);
    ++pending_;
  }
  reader_->Read(message_.get(), &read_);
}

void AgentLink::FinishStream() {
  {
    absl::MutexLock lock(&mu_);
    ++pending_;
  }
  reader_->Finish(&status_, &finished_);
}

void AgentLink::OnStarted(bool ok) {
  if (ok) {
    ReadNext();
  } else {
    FinishStream();
  }
}

void AgentLink::OnRead(bool ok) {
  if (!ok) return FinishStream();  // ended: the status tells why
  if (!got_any_) {
    got_any_ = true;
    connected_ = true;
    LogInfo("fleet", "agent connected ", LogField("agent", endpoint_.name), " ",
            LogField("address", endpoint_.address));
    absl::MutexLock lock(&mu_);
    next_backoff_ = backoff_.min;
  }
  events_.on_message(*message_);
  // A message is parsed into the same object again, and protobuf keeps a
  // cleared message's domains for reuse: a snapshot's would stay allocated
  // for the stream's life. Heartbeats, the usual message, carry none.
  if (message_->domains_size() > 0) {
    message_ = std::make_unique<v1::WatchDomainsResponse>();
  }
  ReadNext();
}

void AgentLink::OnFinished(bool) {
  bool report = false;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // One warning per outage: when a stream ends, or when the first attempt
    // after start fails; not for every retry while the agent stays down.
    report = got_any_ || !reported_down_;
    reported_down_ = true;
  }
  connected_ = false;
  if (report) {
    LogWarning("fleet", "agent unreachable ", LogField("agent", endpoint_.name),
               " ", LogField("address", endpoint_.address), " ",
               LogField("error", status_.error_message()));
  }
  events_.on_down();
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  alarm_ = std::make_unique<grpc::Alarm>();
  ++pending_;
  alarm_->Set(loop_->queue(), absl::ToChronoTime(absl::Now() + next_backoff_),
              &backoff_done_);
  next_backoff_ = std::min(next_backoff_ * 2, backoff_.max);
}

void AgentLink::OnBackoffDone(bool) {
  absl::MutexLock lock(&mu_);
  alarm_.reset();
  if (!stopping_) OpenStreamLocked();
}

}  // namespace porthole::controller
