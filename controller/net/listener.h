// Internal to the Beast side of the controller (net/, http/, proxy/): one
// listening address of a server, and the accept loop every server shares.
#ifndef PORTHOLE_CONTROLLER_NET_LISTENER_H_
#define PORTHOLE_CONTROLLER_NET_LISTENER_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/host_port.h"
#include "controller/net/connection_set.h"
#include "controller/net/event_loop.h"

namespace porthole::controller::net {

// The executor a new connection runs on: the loop's own with one thread, a
// fresh strand with several (a connection's handlers then never overlap).
boost::asio::any_io_executor ConnectionExecutor(EventLoop& loop);

// A server's per-connection coroutine. It gets the accepted socket (already
// on the connection's executor) and the connection's membership in the
// server's ConnectionSet; when conn.refusal() is set it writes its refusal
// and returns. The connection ends when the coroutine returns.
using ConnectionHandler = std::function<boost::asio::awaitable<void>(
    boost::asio::ip::tcp::socket socket, Connection& conn)>;

struct ListenerOptions {
  std::string name;  // in log lines: "api", "novnc", ...
  // A host name is resolved, and every address it has is bound ("localhost"
  // -> 127.0.0.1 and ::1 where both exist). Port 0: an ephemeral port.
  HostPort address;
};

// One listening address of a server: Bind() resolves and binds, Start()
// accepts on the event loop and runs `handler` for each connection (on its
// own executor, counted in `connections`), Close() stops accepting. Accept
// failures never spin: AcceptBackoff pauses the loop when descriptors or
// memory run out, and one line is logged per episode. Bind/Start/Close from
// one thread; the loop, the set and the handler's targets must outlive it.
class Listener {
 public:
  Listener(EventLoop& loop, ConnectionSet& connections, ListenerOptions options,
           ConnectionHandler handler);
  ~Listener();  // Close()s
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Errors: "cannot listen on HOST:PORT: <why>" (unresolvable name, port
  // in use, no permission); nothing stays bound then.
  absl::Status Bind();
  // The bound port (the first address's, with port 0).
  uint16_t port() const { return port_; }
  // Starts the accept loops; the event loop runs them.
  void Start();
  // Stops accepting and returns once every accept loop has ended (the
  // sockets are closed then). Open connections are the ConnectionSet's.
  // Idempotent.
  void Close();

 private:
  struct Port;  // one bound address: its acceptor and backoff timer

  boost::asio::awaitable<void> Accept(Port& port);
  // One connection: the server's handler, then the end of its count. The
  // server's drain keeps this listener alive until it returns.
  boost::asio::awaitable<void> Run(boost::asio::ip::tcp::socket socket,
                                   std::unique_ptr<Connection> conn);

  EventLoop& loop_;
  ConnectionSet& connections_;
  const ListenerOptions options_;
  const ConnectionHandler handler_;
  std::vector<std::unique_ptr<Port>> ports_;
  uint16_t port_ = 0;
  bool started_ = false;
  absl::Mutex mu_;
  int accepting_ ABSL_GUARDED_BY(mu_) = 0;  // accept loops still running
};

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_LISTENER_H_
