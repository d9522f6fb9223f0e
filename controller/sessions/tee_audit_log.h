#ifndef PORTHOLE_CONTROLLER_SESSIONS_TEE_AUDIT_LOG_H_
#define PORTHOLE_CONTROLLER_SESSIONS_TEE_AUDIT_LOG_H_

#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "controller/sessions/audit_log.h"

namespace porthole::controller {

// Every record to each of several audit logs (the file and journald, as
// `[audit]` asks). Reopen reopens each and reports the first error. Owns
// them; thread-safe as they are.
class TeeAuditLog : public AuditLog {
 public:
  explicit TeeAuditLog(std::vector<std::unique_ptr<AuditLog>> logs)
      : logs_(std::move(logs)) {}

  void Write(const AuditRecord& record) override {
    for (const std::unique_ptr<AuditLog>& log : logs_) log->Write(record);
  }
  absl::Status Reopen() override {
    absl::Status first;
    for (const std::unique_ptr<AuditLog>& log : logs_) {
      first.Update(log->Reopen());
    }
    return first;
  }

 private:
  const std::vector<std::unique_ptr<AuditLog>> logs_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_TEE_AUDIT_LOG_H_
