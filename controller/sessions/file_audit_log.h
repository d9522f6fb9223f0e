#ifndef PORTHOLE_CONTROLLER_SESSIONS_FILE_AUDIT_LOG_H_
#define PORTHOLE_CONTROLLER_SESSIONS_FILE_AUDIT_LOG_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/sessions/audit_log.h"

namespace porthole::controller {

// The audit log as JSON lines appended to one file (`[audit] file`),
// created mode 0600. Each record is one write(2) of one line with
// O_APPEND, so lines from several threads never interleave. Reopen (on
// SIGHUP) opens the path afresh for logrotate's rename-then-HUP; records
// written meanwhile go to the old file. A failed write is logged once per
// burst and the record dropped: auditing never stops a console. The write
// runs on the caller's thread (the proxy's event loop among them), so the
// file belongs on a local disk. Owns its file descriptor; thread-safe.
class FileAuditLog : public AuditLog {
 public:
  // INVALID_ARGUMENT / FAILED_PRECONDITION naming the path and why.
  static absl::StatusOr<std::unique_ptr<FileAuditLog>> Open(std::string path);
  ~FileAuditLog() override;

  void Write(const AuditRecord& record) override;
  absl::Status Reopen() override;

 private:
  explicit FileAuditLog(std::string path, int fd);

  const std::string path_;
  absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_FILE_AUDIT_LOG_H_
