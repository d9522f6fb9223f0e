#include "controller/fleet/agent_link.h"

#include <algorithm>
#include <utility>

#include "common/logging.h"

namespace porthole::controller {

namespace v1 = agent::v1;

AgentLink::AgentLink(
    AgentEndpoint endpoint,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    BackoffOptions backoff, WatchEvents events)
    : endpoint_(std::move(endpoint)),
      backoff_(backoff),
      events_(std::move(events)) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(backoff_.min)));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(backoff_.max)));
  channel_ = grpc::CreateCustomChannel(endpoint_.address, credentials, args);
  stub_ = v1::ConsoleAgent::NewStub(channel_);
}

AgentLink::~AgentLink() { Stop(); }

void AgentLink::Start() {
  thread_ = std::thread([this] { WatchLoop(); });
}

void AgentLink::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void AgentLink::RetryNow() {
  absl::MutexLock lock(&mu_);
  retry_now_ = true;
}

void AgentLink::Backoff(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(this, &AgentLink::StopOrRetry), delay);
  retry_now_ = false;
}

void AgentLink::WatchLoop() {
  absl::Duration backoff = backoff_.min;
  for (;;) {
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      context_ = &context;
      retry_now_ = false;  // this attempt is the retry
    }
    auto reader = stub_->WatchDomains(&context, v1::WatchDomainsRequest());
    v1::WatchDomainsResponse message;
    bool got_any = false;
    while (reader->Read(&message)) {
      if (!got_any) {
        LogInfo("fleet", "agent connected ", LogField("agent", endpoint_.name),
                " ", LogField("address", endpoint_.address));
        got_any = true;
        connected_ = true;
        backoff = backoff_.min;
      }
      events_.on_message(message);
    }
    grpc::Status status = reader->Finish();
    {
      absl::MutexLock lock(&mu_);
      context_ = nullptr;
      if (stopping_) return;
    }
    // One warning per outage: when a stream ends, or when the first attempt
    // after start fails; not for every retry while the agent stays down.
    if (connected_.exchange(false) || !reported_down_) {
      LogWarning("fleet", "agent unreachable ",
                 LogField("agent", endpoint_.name), " ",
                 LogField("address", endpoint_.address), " ",
                 LogField("error", status.error_message()));
      reported_down_ = true;
    }
    events_.on_down();
    Backoff(backoff);
    backoff = std::min(backoff * 2, backoff_.max);
  }
}

}  // namespace porthole::controller
