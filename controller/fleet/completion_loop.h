#ifndef PORTHOLE_CONTROLLER_FLEET_COMPLETION_LOOP_H_
#define PORTHOLE_CONTROLLER_FLEET_COMPLETION_LOOP_H_

#include <grpcpp/grpcpp.h>

#include <thread>

namespace porthole::controller {

// One gRPC completion queue and the thread that drains it: the fleet's
// watch streams and their backoff alarms all complete here, so the
// controller's threads do not grow with its agents. A tag given to the queue
// must be a CompletionLoop::Handler; its OnEvent runs on the loop's thread,
// one event at a time. Not copyable.
class CompletionLoop {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    // `ok` is the operation's outcome as gRPC reports it (false: the stream
    // ended, the call failed, the alarm was cancelled).
    virtual void OnEvent(bool ok) = 0;
  };

  // Starts the thread.
  CompletionLoop();
  // Shuts the queue down and joins, after every pending operation has
  // reported: its users must have cancelled theirs first.
  ~CompletionLoop();
  CompletionLoop(const CompletionLoop&) = delete;
  CompletionLoop& operator=(const CompletionLoop&) = delete;

  grpc::CompletionQueue* queue() { return &queue_; }

 private:
  grpc::CompletionQueue queue_;
  std::thread thread_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_COMPLETION_LOOP_H_
