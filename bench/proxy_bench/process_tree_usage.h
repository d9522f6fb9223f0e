#ifndef PORTHOLE_BENCH_PROXY_BENCH_PROCESS_TREE_USAGE_H_
#define PORTHOLE_BENCH_PROXY_BENCH_PROCESS_TREE_USAGE_H_

#include <sys/types.h>

namespace porthole::bench {

// What a relay costs so far, read from /proc: a process and all its
// descendants, since websockify and socat fork one process per connection.
struct TreeUsage {
  // utime + stime of every process in the tree, plus the root's reaped
  // children (cutime + cstime).
  double cpu_seconds = 0;
  // Proportional set size: shared pages are split among the processes that
  // map them, so forked relays are not counted many times over.
  long pss_kib = 0;
};

TreeUsage ReadTreeUsage(pid_t root);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_PROCESS_TREE_USAGE_H_
