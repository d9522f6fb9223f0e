// Internal to the Beast side of the controller (net/, http/, proxy/): the
// open connections of one server, its limits and its drain.
#ifndef PORTHOLE_CONTROLLER_NET_CONNECTION_SET_H_
#define PORTHOLE_CONTROLLER_NET_CONNECTION_SET_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace porthole::controller::net {

// Why a new connection is refused before anything is read from it. The
// server writes the refusal (the API a Nova fault, the proxies an
// X-Porthole-Error); the edge only decides.
enum class Refusal {
  kNone,
  kTooManyConnections,  // the set's max_connections
  kTooManyFromPeer,     // max_per_peer connections from this address
};

struct ConnectionLimits {
  // Open connections, refused ones included (each holds a descriptor).
  size_t max_connections = 1024;
  // Open connections from one client (PeerLimitKey: an IPv4 address or an
  // IPv6 /64); 0: no such limit.
  size_t max_per_peer = 0;
  // Peers that max_per_peer does not apply to (e.g. trusted reverse
  // proxies, which carry many clients on one address). Null: none. Called
  // under the set's lock: quick, and never back into the set.
  std::function<bool(std::string_view peer)> exempt_peer;
};

class Connection;

// The open connections of one server, over all its listeners: how many (in
// all and per peer address), whether a new one is past a limit, and how to
// end each one when the server stops. Thread-safe. Must outlive its
// connections: a server Drains it before it goes.
class ConnectionSet {
 public:
  explicit ConnectionSet(ConnectionLimits limits);
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;

  size_t size() const;
  // Open connections from the client of `peer` (normalised address).
  size_t size_for_peer(const std::string& peer) const;
  bool draining() const;

  // Ends every connection, for a server's Stop (its listeners closed
  // first): idle connections (Connection::Idle) are closed at once; the
  // others get up to `drain` to end by themselves, then their closers run;
  // then up to `linger` for close frames and FINs. Returns how many were
  // still open at the end (they end when the event loop stops).
  size_t Drain(absl::Duration drain, absl::Duration linger = absl::Seconds(1));

 private:
  friend class Connection;
  struct Entry {
    boost::asio::any_io_executor executor;
    std::function<void()> closer;
    bool idle = false;
  };

  // Runs the closer of connection `id` if it is still open; called on that
  // connection's executor, where it also ends, so the closer never outlives
  // the connection's frame.
  void RunCloser(uint64_t id);
  void PostCloser(uint64_t id, const boost::asio::any_io_executor& executor);
  bool WaitForNone(absl::Duration span);

  const ConnectionLimits limits_;
  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, size_t> per_peer_ ABSL_GUARDED_BY(mu_);
};

// One open connection's membership in its set: counted from construction
// to destruction, which the listener ties to the connection's coroutine. A
// server's per-connection coroutine gets it by reference. All calls on the
// connection's executor.
class Connection {
 public:
  Connection(ConnectionSet& set, boost::asio::any_io_executor executor,
             std::string peer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The remote address, normalised ("1.2.3.4", not "::ffff:1.2.3.4").
  const std::string& peer() const { return peer_; }
  // Set when the connection is past a limit: the server writes its refusal
  // and returns.
  Refusal refusal() const { return refusal_; }

  // What ends this connection at the end of a drain (close the socket, send
  // a WebSocket close). Replaces the previous one; empty removes it. The
  // closer runs on this connection's executor and may refer to its frame.
  void OnClose(std::function<void()> closer);
  // Between two requests: false when the server is draining (then end the
  // connection); otherwise the connection may wait for the next request and
  // a drain closes it at once. Busy() when a request begins.
  bool Idle();
  void Busy();
  // True when the server is stopping: answer with Connection: close.
  bool draining() const { return set_.draining(); }

 private:
  ConnectionSet& set_;
  const std::string peer_;
  const std::string peer_key_;  // PeerLimitKey(peer_)
  uint64_t id_ = 0;
  Refusal refusal_ = Refusal::kNone;
};

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_CONNECTION_SET_H_
