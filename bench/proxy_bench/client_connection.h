#ifndef PORTHOLE_BENCH_PROXY_BENCH_CLIENT_CONNECTION_H_
#define PORTHOLE_BENCH_PROXY_BENCH_CLIENT_CONNECTION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace porthole::bench {

// One benchmark client connection to a target on 127.0.0.1: raw TCP, or a
// WebSocket (subprotocol `binary`). Outgoing frames are masked with a fixed
// key once, by Prepare, and then sent any number of times, so the proxy does
// the unmasking and the client does no work per message; incoming frames are
// parsed in place. Blocking, one thread; the socket closes with this object.
class ClientConnection {
 public:
  ClientConnection() : in_(256 * 1024) {}
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Connects, and for a WebSocket upgrades with GET `target`. True once the
  // connection is open (after a 101 for a WebSocket).
  bool Open(int port, bool websocket, const std::string& target);
  // A masked binary frame holding `payload`, or the raw bytes for TCP.
  std::string Prepare(std::string_view payload) const;
  bool Send(const std::string& prepared);
  // Receives `n` payload bytes, whatever the framing; answers pings. False
  // on a close frame, a closed socket or an error.
  bool Receive(uint64_t n);

 private:
  bool Fill();
  void Consume(uint64_t n);
  bool Need(size_t n);
  bool ReadHeader();

  int fd_ = -1;
  bool websocket_ = false;
  std::vector<char> in_;  // received bytes: have_ of them from start_
  size_t start_ = 0;
  size_t have_ = 0;
  uint64_t frame_left_ = 0;  // payload bytes of the current frame not read
  bool control_ = false;     // the current frame is a control frame
};

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_CLIENT_CONNECTION_H_
