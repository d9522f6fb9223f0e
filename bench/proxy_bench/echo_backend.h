#ifndef PORTHOLE_BENCH_PROXY_BENCH_ECHO_BACKEND_H_
#define PORTHOLE_BENCH_PROXY_BENCH_ECHO_BACKEND_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "bench/proxy_bench/backend_security.h"

namespace porthole::bench {

// The size of the benchmark's messages: the backend's writes downstream and
// the client's WebSocket messages upstream.
inline constexpr size_t kMessageBytes = 64 * 1024;

// The console stand-in every target relays to: a TCP listener on 127.0.0.1
// that reads one command byte per connection, then
//   'D' + u64: sends that many bytes in kMessageBytes writes;
//   'U' + u64: reads that many bytes and answers 'K';
//   'E':       echoes everything,
// and holds the connection until the client closes it; before the command,
// `security` runs its handshake (none, VeNCrypt or TLS, as a QEMU would). A
// detached thread accepts and one serves each connection; they run until the
// process exits, so an EchoBackend must live as long as the benchmark.
class EchoBackend {
 public:
  explicit EchoBackend(std::unique_ptr<const BackendSecurityContext> security);
  EchoBackend(const EchoBackend&) = delete;
  EchoBackend& operator=(const EchoBackend&) = delete;

  int port() const { return port_; }

 private:
  void AcceptForever();

  std::unique_ptr<const BackendSecurityContext> security_;
  int listen_fd_ = -1;
  int port_ = 0;
};

// A 'D' or 'U' command as the backend reads it: the byte, then `count` in
// host byte order (client and backend are one process).
std::string BackendCommand(char command, uint64_t count);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_ECHO_BACKEND_H_
