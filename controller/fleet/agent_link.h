#ifndef PORTHOLE_CONTROLLER_FLEET_AGENT_LINK_H_
#define PORTHOLE_CONTROLLER_FLEET_AGENT_LINK_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "porthole/agent/v1/agent.grpc.pb.h"

namespace porthole::controller {

// One agent as configured: `[agents] hosts = NAME=HOST:PORT, ...`.
struct AgentEndpoint {
  std::string name;     // the compute host's name (Nova's instance.host)
  std::string address;  // host:port of its porthole-agent

  bool operator==(const AgentEndpoint&) const = default;
};

// What a link reports, from its own thread.
struct WatchEvents {
  // One WatchDomains message; the first of every stream is a SNAPSHOT.
  std::function<void(const agent::v1::WatchDomainsResponse&)> on_message;
  // The stream ended or could not be opened; another attempt follows.
  std::function<void()> on_down;
};

struct BackoffOptions {
  absl::Duration min = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(10);
};

// One agent: its gRPC channel and stub, and a thread that keeps its
// WatchDomains stream open, hands every message to `events`, and reopens
// the stream with exponential backoff (reset by a stream that delivered a
// message). The link owns its channel and thread; Stop() (or the
// destructor) cancels the stream and joins, after which no event is
// delivered. Thread-safe.
class AgentLink {
 public:
  AgentLink(AgentEndpoint endpoint,
            const std::shared_ptr<grpc::ChannelCredentials>& credentials,
            BackoffOptions backoff, WatchEvents events);
  ~AgentLink();
  AgentLink(const AgentLink&) = delete;
  AgentLink& operator=(const AgentLink&) = delete;

  void Start();
  void Stop();
  // Cuts a pending backoff short: the agent was just seen answering (the
  // fan-out reached it), so the next watch attempt need not wait.
  void RetryNow();

  const AgentEndpoint& endpoint() const { return endpoint_; }
  // For unary calls (GetConsole, ListDomains) on the same channel.
  agent::v1::ConsoleAgent::Stub* stub() const { return stub_.get(); }
  // True while a stream is open and has delivered its first message.
  bool connected() const { return connected_.load(); }

 private:
  void WatchLoop();
  // Waits `delay`, or less when stopped or asked to retry now.
  void Backoff(absl::Duration delay);
  bool StopOrRetry() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stopping_ || retry_now_;
  }

  const AgentEndpoint endpoint_;
  const BackoffOptions backoff_;
  const WatchEvents events_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<agent::v1::ConsoleAgent::Stub> stub_;
  std::thread thread_;
  std::atomic<bool> connected_{false};
  bool reported_down_ = false;  // only the watch thread touches it
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool retry_now_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_AGENT_LINK_H_
