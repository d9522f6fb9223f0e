#ifndef PORTHOLE_BENCH_PROXY_BENCH_SOCKET_IO_H_
#define PORTHOLE_BENCH_PROXY_BENCH_SOCKET_IO_H_

#include <cstddef>

namespace porthole::bench {

// Whole-buffer transfers on a blocking connected socket, for the echo
// backend and the client. Both return false when the peer closed or on any
// error; SendAll never raises SIGPIPE.
bool SendAll(int fd, const char* data, size_t n);
bool RecvAll(int fd, char* data, size_t n);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_SOCKET_IO_H_
