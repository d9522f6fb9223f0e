#include "controller/sessions/journald_audit_log.h"

#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace porthole::controller {
namespace {

// journald catalog ids, one per event, fixed for good: operators filter
// on them.
std::string_view MessageId(std::string_view event) {
  if (event == "session-start") return "640bbade8f6879595ac3dbecf24464e0";
  if (event == "session-end") return "309dec6c5547078ac755a6b082aae919";
  if (event == "url-issued") return "140b436afd527b4116b355c9fa97b6e5";
  if (event == "admission-refused") return "5c930ebe00f395e457c1c9e189ef87ec";
  if (event == "sessions-ended-by-admin") {
    return "0ebfee70c242764eaa73a865d524ea53";
  }
  if (event == "client-init-rewritten") {
    return "c010c1c891fd41cd916bc154ef0a8c1b";
  }
  return "54e1ab975d5ade28ff39d84361b2fae2";  // an event added later
}

// journald field names: uppercase letters, digits and underscores.
std::string FieldName(std::string_view key) {
  std::string name = absl::StrCat("PORTHOLE_", std::string(key));
  for (char& c : name) {
    c = absl::ascii_isalnum(c) ? absl::ascii_toupper(c) : '_';
  }
  return name;
}

}  // namespace

std::vector<std::string> JournalFields(const AuditRecord& record) {
  std::vector<std::string> fields;
  fields.reserve(record.fields.size() + 5);
  std::string message = absl::StrCat("console audit: ", record.event);
  for (const auto& [key, value] : record.fields) {
    std::string text = std::holds_alternative<std::string>(value)
                           ? std::get<std::string>(value)
                           : std::to_string(std::get<int64_t>(value));
    absl::StrAppend(&message, " ", LogField(key, text));
    fields.push_back(absl::StrCat(FieldName(key), "=", text));
  }
  fields.push_back(absl::StrCat("MESSAGE=", PrintableLogText(message)));
  fields.emplace_back("PRIORITY=6");
  fields.emplace_back("SYSLOG_IDENTIFIER=porthole-audit");
  fields.push_back(
      absl::StrCat("MESSAGE_ID=", std::string(MessageId(record.event))));
  fields.push_back(absl::StrCat("PORTHOLE_EVENT=", record.event));
  return fields;
}

void JournaldAuditLog::Write(const AuditRecord& record) {
  const std::vector<std::string> fields = JournalFields(record);
  std::vector<iovec> parts;
  parts.reserve(fields.size());
  for (const std::string& field : fields) {
    // sd_journal_sendv only reads them.
    parts.push_back({const_cast<char*>(field.data()), field.size()});
  }
  const int r = sd_journal_sendv(parts.data(), static_cast<int>(parts.size()));
  if (r < 0) {
    if (!failing_.exchange(true)) {
      LogError("audit", "cannot write to the journal; dropping records: ",
               std::strerror(-r));
    }
    return;
  }
  failing_.store(false);
}

bool RunningUnderSystemd() {
  // systemd sets INVOCATION_ID for every unit it starts.
  return std::getenv("INVOCATION_ID") != nullptr &&
         access("/run/systemd/journal/socket", W_OK) == 0;
}

}  // namespace porthole::controller
