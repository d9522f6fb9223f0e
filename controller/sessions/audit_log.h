#ifndef PORTHOLE_CONTROLLER_SESSIONS_AUDIT_LOG_H_
#define PORTHOLE_CONTROLLER_SESSIONS_AUDIT_LOG_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace porthole::controller {

// One audit event: its name ("session-start", "session-end", "url-issued",
// "admission-refused", "sessions-ended-by-admin", "client-init-rewritten")
// and its fields in the order
// they are written. Never a raw console token: at most the first 8 hex digits
// of its SHA-256.
struct AuditRecord {
  using Value = std::variant<std::string, int64_t>;
  std::string event;
  std::vector<std::pair<std::string, Value>> fields;
};

// Where audit records go. Implementations: FileAuditLog (JSON lines,
// `[audit] file`), JournaldAuditLog (structured journal entries, `[audit]
// journald`), TeeAuditLog (both). Write must not throw and is called from the
// API's threads and the proxy's event loop; implementations are thread-safe.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual void Write(const AuditRecord& record) = 0;
  // Starts over on a fresh file at the configured path (SIGHUP, after
  // logrotate renamed the old one). On an error the old file stays in use.
  virtual absl::Status Reopen() = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_AUDIT_LOG_H_
