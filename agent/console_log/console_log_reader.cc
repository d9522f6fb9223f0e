#include "agent/console_log/console_log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace porthole::agent {
namespace {

// virtlogd keeps max_backups (default 3) rotated files; a few more are
// tolerated, an endless chain is not followed.
constexpr int kMaxRotatedFiles = 16;

absl::Status OpenError(const std::string& path, int error) {
  const std::string what =
      absl::StrCat("cannot open console log ", path, ": ", strerror(error));
  switch (error) {
    case EACCES:
    case EPERM:
    case ELOOP:  // O_NOFOLLOW met a symlink
      return absl::PermissionDeniedError(what);
    default:
      return absl::InternalError(what);
  }
}

// Closes the descriptor on every path out.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The last `budget` bytes of one file; nullopt when it does not exist.
absl::StatusOr<std::optional<LogTail>> ReadFileTail(const std::string& path,
                                                    uint64_t budget) {
  const FileDescriptor fd(
      open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return OpenError(path, errno);
  }
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) return OpenError(path, errno);
  if (!S_ISREG(info.st_mode)) {
    return absl::PermissionDeniedError(
        absl::StrCat("console log ", path, " is not a regular file"));
  }
  const uint64_t size = static_cast<uint64_t>(info.st_size);
  const uint64_t offset = size > budget ? size - budget : 0;
  LogTail tail;
  tail.truncated_bytes = offset;
  tail.bytes.resize(size - offset);
  size_t done = 0;
  while (done < tail.bytes.size()) {
    const ssize_t got =
        pread(fd.get(), tail.bytes.data() + done, tail.bytes.size() - done,
              static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      return absl::InternalError(absl::StrCat("cannot read console log ", path,
                                              ": ", strerror(errno)));
    }
    if (got == 0) break;  // truncated under us: keep what was there
    done += static_cast<size_t>(got);
  }
  tail.bytes.resize(done);
  return std::optional<LogTail>(std::move(tail));
}

}  // namespace

absl::StatusOr<LogTail> ReadConsoleLogTail(const std::string& path,
                                           uint64_t max_bytes) {
  LogTail result;
  uint64_t budget = max_bytes;
  std::string file = path;
  for (int rotated = 0; budget > 0 && rotated <= kMaxRotatedFiles; ++rotated) {
    absl::StatusOr<std::optional<LogTail>> tail = ReadFileTail(file, budget);
    if (!tail.ok()) return tail.status();
    if (!tail->has_value()) break;
    LogTail& piece = **tail;
    budget -= piece.bytes.size();
    // Older files come later; their bytes go in front.
    result.bytes.insert(0, piece.bytes);
    result.truncated_bytes = piece.truncated_bytes;
    file = absl::StrCat(path, ".", rotated);
  }
  return result;
}

}  // namespace porthole::agent
