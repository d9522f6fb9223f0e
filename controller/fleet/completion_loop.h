#ifndef PORTHOLE_CONTROLLER_FLEET_COMPLETION_LOOP_H_
#define PORTHOLE_CONTROLLER_FLEET_COMPLETION_LOOP_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

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

// A fixed number of CompletionLoops, handed out in turn, so the links'
// streams spread over a few threads whatever the number of agents (the
// thread that drains a queue also polls its links' sockets: with one loop,
// 10,000 agents' reads and keepalive pings wait on one thread). The loops
// live as long as the pool; destroy it after every link using one has
// stopped. Next() is thread-safe.
class CompletionLoopPool {
 public:
  // `size` loops (at least one).
  explicit CompletionLoopPool(size_t size);
  CompletionLoopPool(const CompletionLoopPool&) = delete;
  CompletionLoopPool& operator=(const CompletionLoopPool&) = delete;

  // min(4, the machine's cores): the fleet's default.
  static size_t DefaultSize();

  // The loop for the next link, round robin.
  CompletionLoop* Next();
  size_t size() const { return loops_.size(); }

 private:
  std::vector<std::unique_ptr<CompletionLoop>> loops_;
  std::atomic<size_t> next_{0};
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_COMPLETION_LOOP_H_
