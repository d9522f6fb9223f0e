#ifndef PORTHOLE_COMMON_LOGGING_H_
#define PORTHOLE_COMMON_LOGGING_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace porthole {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// The one logger of both daemons: one line per event on stderr, written with
// a single write(2) so lines from different threads never interleave
// (journald adds the timestamp under systemd):
//   2026-11-23T11:40:00.123Z INFO agent: libvirt connected uri=qemu:///system
// Thread-safe. Messages are sanitized: control characters and bytes that are
// not well-formed UTF-8 become '?', so a hostile domain name or request path
// can neither forge log lines nor put raw bytes into the journal.
void Log(LogLevel level, std::string_view component, std::string_view message);

// "debug", "info", "warning" or "error".
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text);

// Lines below this level are dropped. Default kInfo; set once at startup.
void SetMinLogLevel(LogLevel level);

// `key=value` for a log line; the value is quoted when it has spaces.
std::string LogField(std::string_view key, std::string_view value);
// `text` as Log writes it: control characters and bytes that are not
// well-formed UTF-8 become '?' (for other sinks of log-like text, such as
// the journal's MESSAGE).
std::string PrintableLogText(std::string_view text);

template <typename... Args>
void LogInfo(std::string_view component, const Args&... args) {
  Log(LogLevel::kInfo, component, absl::StrCat(args...));
}
template <typename... Args>
void LogWarning(std::string_view component, const Args&... args) {
  Log(LogLevel::kWarning, component, absl::StrCat(args...));
}
template <typename... Args>
void LogError(std::string_view component, const Args&... args) {
  Log(LogLevel::kError, component, absl::StrCat(args...));
}
template <typename... Args>
void LogDebug(std::string_view component, const Args&... args) {
  Log(LogLevel::kDebug, component, absl::StrCat(args...));
}

}  // namespace porthole

#endif  // PORTHOLE_COMMON_LOGGING_H_
