#ifndef PORTHOLE_TESTS_SUPPORT_LOOPBACK_H_
#define PORTHOLE_TESTS_SUPPORT_LOOPBACK_H_

#include <sys/types.h>

namespace porthole::testing {

// Plain blocking TCP sockets on 127.0.0.1 for tests and benchmarks. Each
// returns a file descriptor (SOCK_CLOEXEC) that the caller closes, or -1.

// A connection to 127.0.0.1:port with TCP_NODELAY set.
int ConnectLoopback(int port);

// A socket listening on 127.0.0.1 at a port the kernel picked, stored in
// `*port`.
int ListenLoopback(int backlog, int* port);

// True when nothing is bound to 127.0.0.1:port right now.
bool PortIsFree(int port);

// True when the socket listening on 127.0.0.1:port is one of `pid`'s (from
// /proc): a server that lost the race for its port to another test's may
// not have noticed yet, and the port answering tells nothing.
bool ProcessListensOnLoopback(pid_t pid, int port);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_LOOPBACK_H_
