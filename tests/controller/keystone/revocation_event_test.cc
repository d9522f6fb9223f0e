#include "controller/keystone/revocation_event.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace porthole::controller::keystone {
namespace {

constexpr int64_t kIssued = 1795425023;  // 2026-11-23T09:10:23Z

// A URL issued by alice (domain default) in project demo (domain d2).
IssuingToken Alice() {
  return {"u-alice", "p-demo", {"aud-1", "chain-1", "default", "d2", kIssued}};
}

RevocationEvent Before(int64_t issued_before) {
  RevocationEvent event;
  event.issued_before = issued_before;
  return event;
}

// The shape of Keystone 22's GET /v3/OS-REVOKE/events answer.
constexpr char kEvents[] = R"({"events": [
  {"audit_id": "aud-1", "issued_before": "2026-11-23T09:10:23.000000Z",
   "revoked_at": "2026-11-23T09:11:00.000000Z"},
  {"user_id": "u-bob", "issued_before": "2026-11-23T09:20:00.000000Z",
   "revoked_at": "2026-11-23T09:20:00.000000Z"},
  {"role_id": "r-1", "issued_before": "2026-11-23T09:30:00.000000Z"},
  {"OS-TRUST:trust_id": "t-1", "issued_before": "2026-11-23T09:30:00Z"},
  {"user_id": "u-x"},
  {"project_id": "p-y", "issued_before": "yesterday"},
  "not an event"
], "links": {"next": null, "self": "http://ks/v3/OS-REVOKE/events"}})";

TEST(RevocationEventTest, Parse_KeepsEventsWithAnIssueBound) {
  absl::StatusOr<std::vector<RevocationEvent>> events =
      ParseRevocationEvents(kEvents);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].audit_id, "aud-1");
  EXPECT_EQ((*events)[0].issued_before, kIssued);
  EXPECT_FALSE((*events)[0].user_id.has_value());
  EXPECT_EQ((*events)[1].user_id, "u-bob");
  EXPECT_TRUE((*events)[2].names_unkept_attribute);
  EXPECT_TRUE((*events)[3].names_unkept_attribute);
  EXPECT_FALSE((*events)[0].names_unkept_attribute);
}

TEST(RevocationEventTest, Parse_RefusesWhatIsNotAnEventList) {
  EXPECT_FALSE(ParseRevocationEvents("").ok());
  EXPECT_FALSE(ParseRevocationEvents("[]").ok());
  EXPECT_FALSE(ParseRevocationEvents(R"({"events": {}})").ok());
  absl::StatusOr<std::vector<RevocationEvent>> none =
      ParseRevocationEvents(R"({"events": []})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(RevocationEventTest, TokenRevoked_MatchesItsAuditIdOnly) {
  RevocationEvent event = Before(kIssued);
  event.audit_id = "aud-1";
  EXPECT_TRUE(Revokes(event, Alice()));
  event.audit_id = "aud-2";
  EXPECT_FALSE(Revokes(event, Alice()));
}

TEST(RevocationEventTest, IssuedAfterTheEvent_IsNotRevoked) {
  RevocationEvent event = Before(kIssued - 1);
  event.user_id = "u-alice";
  EXPECT_FALSE(Revokes(event, Alice()));
  event.issued_before = kIssued;  // same second: revoked, as in Keystone
  EXPECT_TRUE(Revokes(event, Alice()));
}

TEST(RevocationEventTest, EveryNamedAttribute_MustMatch) {
  RevocationEvent event = Before(kIssued + 60);
  event.user_id = "u-alice";
  event.project_id = "p-demo";
  EXPECT_TRUE(Revokes(event, Alice()));  // role removed in that project
  event.project_id = "p-other";
  EXPECT_FALSE(Revokes(event, Alice()));
  event.project_id.reset();
  event.audit_chain_id = "chain-1";
  EXPECT_TRUE(Revokes(event, Alice()));
  event.audit_chain_id = "chain-2";
  EXPECT_FALSE(Revokes(event, Alice()));
}

TEST(RevocationEventTest, Domain_MatchesTheUsersOrTheProjects) {
  RevocationEvent event = Before(kIssued + 60);
  event.domain_id = "default";
  EXPECT_TRUE(Revokes(event, Alice()));
  event.domain_id = "d2";
  EXPECT_TRUE(Revokes(event, Alice()));
  event.domain_id = "d3";
  EXPECT_FALSE(Revokes(event, Alice()));
  RevocationEvent scope = Before(kIssued + 60);
  scope.domain_scope_id = "d2";  // the project's domain only
  EXPECT_TRUE(Revokes(scope, Alice()));
  scope.domain_scope_id = "default";
  EXPECT_FALSE(Revokes(scope, Alice()));
}

TEST(RevocationEventTest, UnkeptAttributesOrNoIssueTime_NeverMatch) {
  RevocationEvent role = Before(kIssued + 60);
  role.names_unkept_attribute = true;  // e.g. a role deleted
  EXPECT_FALSE(Revokes(role, Alice()));
  RevocationEvent everyone = Before(kIssued + 60);
  IssuingToken not_keystone{"u-alice", "p-demo", {}};
  EXPECT_FALSE(Revokes(everyone, not_keystone));
  EXPECT_TRUE(Revokes(everyone, Alice()));
}

}  // namespace
}  // namespace porthole::controller::keystone
