#ifndef PORTHOLE_CONTROLLER_SESSIONS_JOURNALD_AUDIT_LOG_H_
#define PORTHOLE_CONTROLLER_SESSIONS_JOURNALD_AUDIT_LOG_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "controller/sessions/audit_log.h"

namespace porthole::controller {

// The audit log as journald entries with structured fields (`[audit]
// journald`): SYSLOG_IDENTIFIER=porthole-audit, a MESSAGE_ID per event
// (`journalctl MESSAGE_ID=...`), PORTHOLE_EVENT and one PORTHOLE_<FIELD>
// per record field (`journalctl -t porthole-audit PORTHOLE_SERVER_ID=...`).
// Writes go through libsystemd's native protocol; one that fails is logged
// once per burst and the record dropped, as for the file. Thread-safe;
// Reopen has nothing to do.
class JournaldAuditLog : public AuditLog {
 public:
  JournaldAuditLog() = default;
  JournaldAuditLog(const JournaldAuditLog&) = delete;
  JournaldAuditLog& operator=(const JournaldAuditLog&) = delete;

  void Write(const AuditRecord& record) override;
  absl::Status Reopen() override { return absl::OkStatus(); }

 private:
  std::atomic<bool> failing_{false};
};

// The journald fields of `record`, each "NAME=value" (pure).
std::vector<std::string> JournalFields(const AuditRecord& record);

// Whether this process runs as a systemd service with a journal to write
// to: what `[audit] journald = auto` turns on with.
bool RunningUnderSystemd();

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_JOURNALD_AUDIT_LOG_H_
