#ifndef PORTHOLE_AGENT_CONSOLE_LOG_CONSOLE_LOG_READER_H_
#define PORTHOLE_AGENT_CONSOLE_LOG_CONSOLE_LOG_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace porthole::agent {

// The newest bytes of a console log.
struct LogTail {
  std::string bytes;             // oldest first
  uint64_t truncated_bytes = 0;  // older bytes left out by the cap
};

// Reads at most `max_bytes` from the end of the log at `path` and, while
// bytes remain, from its rotated predecessors `path.0`, `path.1`, ... (what
// virtlogd keeps; Nova reads them the same way), stopping at the first that
// does not exist. Only the tail is read (pread from size - budget), never
// the whole file. Each file is opened O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
// and must be a regular file, so a symlink or a FIFO planted in the log's
// place is refused, not followed or blocked on.
// A log that does not exist (yet) is an empty tail. Errors: PERMISSION_DENIED
// (no access, a symlink, not a regular file), INTERNAL (other I/O errors);
// the message names the path. Thread-safe (no shared state).
absl::StatusOr<LogTail> ReadConsoleLogTail(const std::string& path,
                                           uint64_t max_bytes);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_CONSOLE_LOG_CONSOLE_LOG_READER_H_
