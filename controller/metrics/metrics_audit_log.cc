#include "controller/metrics/metrics_audit_log.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace porthole::controller {
namespace {

// A string field of the record, "" when absent or not a string.
std::string_view Field(const AuditRecord& record, std::string_view name) {
  for (const auto& [key, value] : record.fields) {
    if (key != name) continue;
    if (const std::string* text = std::get_if<std::string>(&value)) {
      return *text;
    }
    return "";
  }
  return "";
}

int64_t IntField(const AuditRecord& record, std::string_view name) {
  for (const auto& [key, value] : record.fields) {
    if (key != name) continue;
    if (const int64_t* number = std::get_if<int64_t>(&value)) return *number;
    return 0;
  }
  return 0;
}

}  // namespace

MetricsAuditLog::MetricsAuditLog(ControllerMetrics* metrics, AuditLog* next)
    : metrics_(metrics), next_(next) {}

void MetricsAuditLog::Write(const AuditRecord& record) {
  if (record.event == "url-issued") {
    metrics_->CountUrlIssued(Field(record, "console_type"));
  } else if (record.event == "admission-refused") {
    metrics_->CountAdmissionRefused(Field(record, "listener"),
                                    Field(record, "reason"));
  } else if (record.event == "session-start") {
    metrics_->CountSessionStarted(Field(record, "console_type"));
  } else if (record.event == "session-end") {
    metrics_->ObserveSessionEnd(
        Field(record, "console_type"), Field(record, "end_reason"),
        absl::Milliseconds(IntField(record, "duration_ms")));
  }
  if (next_ != nullptr) next_->Write(record);
}

absl::Status MetricsAuditLog::Reopen() {
  return next_ != nullptr ? next_->Reopen() : absl::OkStatus();
}

}  // namespace porthole::controller
