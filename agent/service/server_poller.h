#ifndef PORTHOLE_AGENT_SERVICE_SERVER_POLLER_H_
#define PORTHOLE_AGENT_SERVICE_SERVER_POLLER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <thread>

namespace porthole::agent {

// One thread that keeps polling the sockets of a gRPC server which mixes
// synchronous and callback methods, as the agent's does.
//
// Why: gRPC 1.51 (Debian 12) gives such a "hybrid" server non-polling queues
// for its synchronous methods, so their threads never read a socket; the
// only pollers are the callback API's two "nexting" threads, and each of
// them sleeps 100 ms after every second in which no callback completed. When
// both sleep at once, a GetConsole waits unread for up to 100 ms, about every
// 1.1 s (docs/benchmarks.md, "The ~100 ms stall"). This completion queue is
// registered as frequently polled, and its thread waits on it without a
// deadline, so some thread is always polling. We queue nothing on it; gRPC
// may queue its answer to an unknown method (UNIMPLEMENTED), which Next()
// serves.
//
// Order: construct before BuildAndStart, Start() after it, Stop() after the
// server's Shutdown() (gRPC requires a server's queues to be shut down after
// the server). Not thread-safe; one owner (main).
class ServerPoller {
 public:
  // Registers the completion queue with `builder`.
  explicit ServerPoller(grpc::ServerBuilder& builder);
  ServerPoller(const ServerPoller&) = delete;
  ServerPoller& operator=(const ServerPoller&) = delete;
  // Stop()s.
  ~ServerPoller();

  // Starts the thread, once the server is built and started.
  void Start();
  // Shuts the queue down, drains it and joins the thread. Idempotent.
  void Stop();

 private:
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_SERVICE_SERVER_POLLER_H_
