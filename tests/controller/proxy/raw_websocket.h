#ifndef PORTHOLE_TESTS_CONTROLLER_PROXY_RAW_WEBSOCKET_H_
#define PORTHOLE_TESTS_CONTROLLER_PROXY_RAW_WEBSOCKET_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace porthole::testing {

// A WebSocket client on bare POSIX sockets, for tests that must see the
// exact bytes (the 101 line, an empty error body, one frame per read) and
// send what a well-behaved library never would (unmasked frames, 2^63
// lengths, fragmented pings). Blocking, with timeouts; one thread.
class RawWebSocket {
 public:
  struct Head {
    std::string status_line;  // "HTTP/1.1 101 Switching Protocols"
    int status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string Header(const std::string& lower_name) const {
      auto it = headers.find(lower_name);
      return it == headers.end() ? "" : it->second;
    }
    bool Has(const std::string& lower_name) const {
      return headers.contains(lower_name);
    }
  };
  struct Frame {
    bool fin = true;
    int opcode = 0;  // 1 text, 2 binary, 8 close, 9 ping, 10 pong
    std::string payload;
    int close_code() const {
      return payload.size() >= 2 ? (static_cast<uint8_t>(payload[0]) << 8) |
                                       static_cast<uint8_t>(payload[1])
                                 : 0;
    }
  };

  RawWebSocket() = default;
  ~RawWebSocket();
  RawWebSocket(const RawWebSocket&) = delete;
  RawWebSocket& operator=(const RawWebSocket&) = delete;

  bool Connect(int port);
  bool SendRaw(std::string_view bytes);
  // GET `target` with the upgrade headers plus `extra` ("Name: value" each).
  bool SendUpgrade(const std::string& target,
                   const std::vector<std::string>& extra = {});
  // Reads up to the end of the response head.
  std::optional<Head> ReadHead(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SendUpgrade + ReadHead.
  std::optional<Head> Upgrade(const std::string& target,
                              const std::vector<std::string>& extra = {});
  // Exactly `n` bytes that follow a head (a Content-Length body).
  std::optional<std::string> ReadExactly(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Everything until the peer closes (what follows a head), or nullopt on
  // timeout.
  std::optional<std::string> ReadToEnd(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // A frame with an explicit header; `mask` as a client must.
  bool SendFrame(int opcode, std::string_view payload, bool mask = true,
                 bool fin = true);
  bool SendBinary(std::string_view payload) { return SendFrame(2, payload); }
  std::optional<Frame> ReadFrame(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next data frame, answering pings and skipping pongs.
  std::optional<Frame> ReadDataFrame(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // True when the peer closes the TCP connection within `timeout`
  // (frames before that are discarded).
  bool WaitForEof(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Close();
  int fd() const { return fd_; }

 private:
  bool Fill(size_t want, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string in_;  // received, not yet consumed
  bool eof_ = false;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_CONTROLLER_PROXY_RAW_WEBSOCKET_H_
