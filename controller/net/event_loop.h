// The controller's one event loop (DESIGN.md: "one io_context").
#ifndef PORTHOLE_CONTROLLER_NET_EVENT_LOOP_H_
#define PORTHOLE_CONTROLLER_NET_EVENT_LOOP_H_

#include <memory>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace porthole::controller::net {

// A Boost.Asio io_context and the threads that run it. Every listener of
// the controller (the API, the console proxies, later metrics) runs its
// sockets and timers here; blocking work belongs on each server's own pool.
// With more than one thread each connection runs on its own strand (see
// ConnectionExecutor in listener.h), so a connection's code never runs on
// two threads at once.
// Start/Stop from one thread; context() from any while the loop exists.
// Lifetime: Stop() destroys what still runs on the context (a connection
// that outlived its server's drain), so call it after every server on this
// loop has Stopped and before any of them is destroyed.
class EventLoop {
 public:
  explicit EventLoop(int threads = 1);  // at least one
  ~EventLoop();                         // Stop()s
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Starts the threads; they run until Stop, even with nothing to do.
  // Idempotent.
  void Start();
  // Stops the threads, then destroys the context and every coroutine still
  // suspended on it. Idempotent; the loop cannot be started again.
  void Stop();

  boost::asio::io_context& context();
  int threads() const;
  bool running() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_EVENT_LOOP_H_
