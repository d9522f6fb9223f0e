#ifndef PORTHOLE_TESTS_SUPPORT_RAW_SOCKET_H_
#define PORTHOLE_TESTS_SUPPORT_RAW_SOCKET_H_

#include <chrono>
#include <string>
#include <string_view>

namespace porthole::testing {

// A blocking TCP client on loopback for tests that must send exact bytes
// (smuggled requests, half a head, nothing at all) and see exactly what
// comes back, including whether the server closed. Closed by the
// destructor. One thread.
class RawSocket {
 public:
  RawSocket() = default;
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Connects to host:port; `source` binds the local address first (e.g.
  // "127.0.0.2", to be another client on loopback). IPv4 or IPv6 literals.
  bool Connect(int port, const std::string& host = "127.0.0.1",
               const std::string& source = "");
  bool Send(std::string_view bytes);
  // Everything until the server closes or `timeout` passes; `closed` tells
  // which.
  std::string ReadUntilClose(std::chrono::milliseconds timeout,
                             bool* closed = nullptr);
  // The first bytes that arrive ("" on timeout or close): enough for a
  // short reply, which comes in one segment on loopback.
  std::string ReadSome(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whatever arrives until `timeout` passes with nothing more (for "no
  // second response" checks), stopping early at a close.
  std::string ReadFor(std::chrono::milliseconds timeout);
  // One HTTP response: its head and a Content-Length body ("" on timeout).
  std::string ReadResponse(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Close();
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string pending_;  // read past the last response
};

// How many times "HTTP/1." starts a status line in `bytes`.
int CountResponses(std::string_view bytes);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_RAW_SOCKET_H_
