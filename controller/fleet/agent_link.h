#ifndef PORTHOLE_CONTROLLER_FLEET_AGENT_LINK_H_
#define PORTHOLE_CONTROLLER_FLEET_AGENT_LINK_H_

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/fleet/agent_channel.h"
#include "controller/fleet/completion_loop.h"
#include "porthole/agent/v1/agent.grpc.pb.h"

namespace porthole::controller {

// One agent as configured: `[agents] hosts = NAME=HOST:PORT, ...`.
struct AgentEndpoint {
  std::string name;     // the compute host's name (Nova's instance.host)
  std::string address;  // host:port of its porthole-agent

  bool operator==(const AgentEndpoint&) const = default;
};

// What a link reports, from the fleet's completion loop thread, one call at
// a time. The callbacks must not block for long: they hold up every link.
struct WatchEvents {
  // One WatchDomains message; the first of every stream is a SNAPSHOT.
  std::function<void(const agent::v1::WatchDomainsResponse&)> on_message;
  // The stream ended or could not be opened; another attempt follows.
  std::function<void()> on_down;
};

// One agent: its gRPC channel and stub, and its WatchDomains stream, kept
// open on gRPC's asynchronous API: every operation completes on `loop`,
// shared by every link, so a link holds no thread. Each message goes to
// `events`, in order, on the loop's thread; a stream that ends is reopened
// after an exponential backoff (a gRPC alarm on the same loop; reset by a
// stream that delivered a message). Stop() (or the destructor) cancels the
// stream and the backoff and waits until both have reported, after which no
// event is delivered; the loop must outlive the link. Thread-safe.
class AgentLink {
 public:
  AgentLink(AgentEndpoint endpoint,
            const std::shared_ptr<grpc::ChannelCredentials>& credentials,
            BackoffOptions backoff, WatchEvents events, CompletionLoop* loop);
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
  // One kind of pending operation: its completion calls `step` on the link.
  class Operation : public CompletionLoop::Handler {
   public:
    Operation(AgentLink* link, void (AgentLink::*step)(bool))
        : link_(link), step_(step) {}
    void OnEvent(bool ok) override;

   private:
    AgentLink* const link_;
    void (AgentLink::*const step_)(bool);
  };

  // The stream's steps, on the loop's thread.
  void OnStarted(bool ok);
  void OnRead(bool ok);
  void OnFinished(bool ok);
  void OnBackoffDone(bool ok);
  void OpenStreamLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReadNext();
  void FinishStream();
  bool Idle() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return pending_ == 0; }

  const AgentEndpoint endpoint_;
  const BackoffOptions backoff_;
  const WatchEvents events_;
  CompletionLoop* const loop_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<agent::v1::ConsoleAgent::Stub> stub_;
  std::atomic<bool> connected_{false};
  Operation started_{this, &AgentLink::OnStarted};
  Operation read_{this, &AgentLink::OnRead};
  Operation finished_{this, &AgentLink::OnFinished};
  Operation backoff_done_{this, &AgentLink::OnBackoffDone};

  // The current stream; replaced only when no operation of it is pending.
  std::unique_ptr<agent::v1::WatchDomainsResponse> message_;
  grpc::Status status_;
  bool got_any_ = false;  // the current stream delivered a message

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int pending_ ABSL_GUARDED_BY(mu_) = 0;  // operations not yet reported
  std::unique_ptr<grpc::ClientContext> context_ ABSL_GUARDED_BY(mu_);
  // Lives in its call's arena, which the context owns: declared after it
  // (destroyed first), and reset before it is replaced.
  std::unique_ptr<grpc::ClientAsyncReader<agent::v1::WatchDomainsResponse>>
      reader_;
  std::unique_ptr<grpc::Alarm> alarm_ ABSL_GUARDED_BY(mu_);
  absl::Duration next_backoff_ ABSL_GUARDED_BY(mu_);
  bool reported_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_AGENT_LINK_H_
