#include "controller/sessions/file_audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controller/sessions/audit_records.h"

namespace porthole::controller {
namespace {

absl::StatusOr<int> OpenForAppend(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "[audit] file must be an absolute path, not '", path, "'"));
  }
  const int fd =
      open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open audit file ", path, ": ",
                     std::generic_category().message(errno)));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileAuditLog>> FileAuditLog::Open(
    std::string path) {
  absl::StatusOr<int> fd = OpenForAppend(path);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<FileAuditLog>(new FileAuditLog(std::move(path), *fd));
}

FileAuditLog::FileAuditLog(std::string path, int fd)
    : path_(std::move(path)), fd_(fd) {}

FileAuditLog::~FileAuditLog() {
  absl::MutexLock lock(&mu_);
  close(fd_);
}

void FileAuditLog::Write(const AuditRecord& record) {
  const std::string line = FormatAuditJsonLine(record);
  absl::MutexLock lock(&mu_);
  const ssize_t n = write(fd_, line.data(), line.size());
  if (n == static_cast<ssize_t>(line.size())) {
    failing_ = false;
    return;
  }
  if (!failing_) {
    LogError("audit", "audit record dropped ", LogField("file", path_), " ",
             LogField("error", n < 0 ? std::generic_category().message(errno)
                                     : std::string("short write")));
  }
  failing_ = true;
}

absl::Status FileAuditLog::Reopen() {
  absl::StatusOr<int> fd = OpenForAppend(path_);
  if (!fd.ok()) return fd.status();
  absl::MutexLock lock(&mu_);
  close(std::exchange(fd_, *fd));
  return absl::OkStatus();
}

}  // namespace porthole::controller
