// The journald form of audit records (pure); the journal itself is written
// in scripts/check-systemd, under a real systemd.
#include "controller/sessions/journald_audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "controller/sessions/audit_records.h"

namespace porthole::controller {
namespace {

using ::testing::Contains;
using ::testing::Not;

TEST(JournalFieldsTest, EveryFieldStructured_MessageReadable_NoLowercaseNames) {
  AuditRecord record{"session-end",
                     {{"server_id", std::string("srv-1")},
                      {"end_reason", std::string("ended-by-admin")},
                      {"bytes_up", int64_t{42}},
                      {"origin", std::string("https://a.example\nX=1")}}};
  const std::vector<std::string> fields = JournalFields(record);
  EXPECT_THAT(fields, Contains("PORTHOLE_EVENT=session-end"));
  EXPECT_THAT(fields, Contains("PORTHOLE_SERVER_ID=srv-1"));
  EXPECT_THAT(fields, Contains("PORTHOLE_END_REASON=ended-by-admin"));
  EXPECT_THAT(fields, Contains("PORTHOLE_BYTES_UP=42"));
  // A newline in a value stays in its field (the native protocol carries
  // it length-prefixed): it cannot forge a field of its own.
  EXPECT_THAT(fields, Contains("PORTHOLE_ORIGIN=https://a.example\nX=1"));
  EXPECT_THAT(fields, Not(Contains("X=1")));
  EXPECT_THAT(fields, Contains("SYSLOG_IDENTIFIER=porthole-audit"));
  EXPECT_THAT(fields, Contains("PRIORITY=6"));
  EXPECT_THAT(fields, Contains("MESSAGE_ID=309dec6c5547078ac755a6b082aae919"));
  bool message = false;
  for (const std::string& f : fields) {
    const std::string name = f.substr(0, f.find('='));
    for (char c : name) {
      EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
          << name;
    }
    if (name == "MESSAGE") {
      message = true;
      EXPECT_NE(f.find("console audit: session-end"), std::string::npos) << f;
      // The log line form: control characters made harmless.
      EXPECT_EQ(f.find('\n'), std::string::npos) << f;
    }
  }
  EXPECT_TRUE(message);
}

TEST(JournalFieldsTest, EachEventHasItsOwnMessageId) {
  std::set<std::string> ids;
  for (const char* event :
       {"session-start", "session-end", "url-issued", "admission-refused",
        "sessions-ended-by-admin", "client-init-rewritten"}) {
    for (const std::string& f : JournalFields({event, {}})) {
      if (f.starts_with("MESSAGE_ID=")) ids.insert(f);
    }
  }
  EXPECT_EQ(ids.size(), 6u);
}

}  // namespace
}  // namespace porthole::controller
