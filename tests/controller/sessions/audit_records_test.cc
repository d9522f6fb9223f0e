#include "controller/sessions/audit_records.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace porthole::controller {
namespace {

using Json = nlohmann::json;

constexpr char kHash[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

ConsoleSessionInfo Session() {
  ConsoleSessionInfo s;
  s.id = "2f1c6e0a-8d4b-4a57-9c1e-3b5d7f9a1c2e";
  s.server_id = "b48316c5-71e8-45e4-9884-6c78055b9b13";
  s.console_type = "novnc";
  s.user_id = "alice";
  s.project_id = "p1";
  s.client_address = "198.51.100.7";
  s.origin = "https://cloud.example";
  s.backend = "192.0.2.10:5901";
  s.replica = "controller-1";
  s.token_hash = kHash;
  s.started = absl::FromUnixMillis(1764561600123);  // 2025-12-01T04:00:00.123Z
  return s;
}

Json Parse(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  return Json::parse(line);
}

TEST(AuditRecords, SessionEnd_HasEveryFieldAndOnlyTheHashPrefix) {
  const absl::Time ended = Session().started + absl::Milliseconds(61500);
  const std::string line = FormatAuditJsonLine(
      SessionEndAudit(Session(), ended, 1234, 567890, SessionEnd::kIdle));
  EXPECT_EQ(line.find(kHash), std::string::npos);
  Json json = Parse(line);
  EXPECT_EQ(json["event"], "session-end");
  EXPECT_EQ(json["session_id"], Session().id);
  EXPECT_EQ(json["server_id"], Session().server_id);
  EXPECT_EQ(json["console_type"], "novnc");
  EXPECT_EQ(json["user_id"], "alice");
  EXPECT_EQ(json["project_id"], "p1");
  EXPECT_EQ(json["client_address"], "198.51.100.7");
  EXPECT_EQ(json["origin"], "https://cloud.example");
  EXPECT_EQ(json["backend"], "192.0.2.10:5901");
  EXPECT_EQ(json["replica"], "controller-1");
  EXPECT_EQ(json["token"], "01234567");
  EXPECT_EQ(json["start"], "2025-12-01T04:00:00.123Z");
  EXPECT_EQ(json["end"], "2025-12-01T04:01:01.623Z");
  EXPECT_EQ(json["duration_ms"], 61500);
  EXPECT_EQ(json["bytes_up"], 1234);
  EXPECT_EQ(json["bytes_down"], 567890);
  EXPECT_EQ(json["end_reason"], "idle");
}

TEST(AuditRecords, SessionStart_NamesTheSessionWithoutEndFields) {
  Json json = Parse(FormatAuditJsonLine(SessionStartAudit(Session())));
  EXPECT_EQ(json["event"], "session-start");
  EXPECT_EQ(json["time"], "2025-12-01T04:00:00.123Z");
  EXPECT_EQ(json["user_id"], "alice");
  EXPECT_FALSE(json.contains("end_reason"));
  EXPECT_FALSE(json.contains("bytes_up"));
}

TEST(AuditRecords, UrlIssuedAndAdmissionRefused_CarryTheirFields) {
  const absl::Time at = absl::FromUnixSeconds(1764561600);
  Json issued = Parse(FormatAuditJsonLine(UrlIssuedAudit(
      {"srv", "novnc", "alice", "p1", "203.0.113.9", "req-1", 1764562200},
      at)));
  EXPECT_EQ(issued["event"], "url-issued");
  EXPECT_EQ(issued["server_id"], "srv");
  EXPECT_EQ(issued["user_id"], "alice");
  EXPECT_EQ(issued["project_id"], "p1");
  EXPECT_EQ(issued["client_address"], "203.0.113.9");
  EXPECT_EQ(issued["expires"], "2025-12-01T04:10:00.000Z");

  Json refused = Parse(FormatAuditJsonLine(AdmissionRefusedAudit(
      {"novnc", "token-invalid", "abcd1234", "203.0.113.9", "", "req-2"}, at)));
  EXPECT_EQ(refused["event"], "admission-refused");
  EXPECT_EQ(refused["reason"], "token-invalid");
  EXPECT_EQ(refused["token"], "abcd1234");
  EXPECT_EQ(refused["listener"], "novnc");
}

TEST(AuditRecords, SessionsEndedByAdmin_NamesTheAdminAndWhatEnded) {
  Json one = Parse(FormatAuditJsonLine(SessionsEndedByAdminAudit(
      {"admin", "ops", "192.0.2.1", "req-3", "sid", "", 1},
      absl::FromUnixSeconds(1764561600))));
  EXPECT_EQ(one["event"], "sessions-ended-by-admin");
  EXPECT_EQ(one["user_id"], "admin");
  EXPECT_EQ(one["session_id"], "sid");
  EXPECT_FALSE(one.contains("server_id"));
  EXPECT_EQ(one["ended"], 1);
}

TEST(AuditRecords, ClientInitRewritten_NamesTheSessionAndBothFlags) {
  const Json j = Parse(FormatAuditJsonLine(
      ClientInitRewrittenAudit(Session(), "shared", /*asked_exclusive=*/true,
                               Session().started + absl::Seconds(1))));
  EXPECT_EQ(j["event"], "client-init-rewritten");
  EXPECT_EQ(j["session_id"], Session().id);
  EXPECT_EQ(j["server_id"], Session().server_id);
  EXPECT_EQ(j["user_id"], "alice");
  EXPECT_EQ(j["viewer_sharing"], "shared");
  EXPECT_EQ(j["asked"], "exclusive");
  EXPECT_EQ(j["applied"], "shared");
  EXPECT_EQ(j["token"], "01234567");
}

TEST(AuditRecords, InvalidUtf8InAValue_ReplacedNotThrown) {
  ConsoleSessionInfo s = Session();
  s.origin = "http://\xff\xfe";
  Json json = Parse(FormatAuditJsonLine(SessionStartAudit(s)));
  EXPECT_EQ(json["origin"], "http://\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace porthole::controller
