#include "controller/keystone/keystone_token.h"

#include "gtest/gtest.h"

namespace porthole::controller::keystone {
namespace {

// The shape of Keystone 22's GET /v3/auth/tokens answer (trimmed).
constexpr char kProjectToken[] = R"({"token": {
  "methods": ["password"],
  "user": {"domain": {"id": "default", "name": "Default"},
           "id": "u-123", "name": "alice", "password_expires_at": null},
  "audit_ids": ["Zm9vYmFy"],
  "expires_at": "2026-11-23T10:10:23.000000Z",
  "issued_at": "2026-11-23T09:10:23.000000Z",
  "project": {"domain": {"id": "default", "name": "Default"},
              "id": "p-456", "name": "demo"},
  "is_domain": false,
  "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "reader"}],
  "catalog": [
    {"type": "compute", "endpoints": [
      {"interface": "internal", "region_id": "RegionOne",
       "url": "http://nova/v2.1"}]},
    {"type": "identity", "endpoints": [
      {"interface": "public", "region_id": "RegionOne",
       "url": "https://ks.example.org/v3"},
      {"interface": "internal", "region_id": "RegionOne",
       "url": "http://10.0.0.5:5000/v3"}]}]}})";

TEST(KeystoneTokenTest, ProjectToken_GivesPrincipalRolesExpiryAndCatalog) {
  absl::StatusOr<KeystoneToken> token = ParseKeystoneToken(kProjectToken);
  ASSERT_TRUE(token.ok()) << token.status();
  const Principal& p = token->principal;
  EXPECT_EQ(p.user_id, "u-123");
  EXPECT_EQ(p.user_name, "alice");
  EXPECT_EQ(p.user_domain_id, "default");
  EXPECT_EQ(p.project_id, "p-456");
  EXPECT_EQ(p.project_name, "demo");
  EXPECT_EQ(p.project_domain_id, "default");
  EXPECT_TRUE(p.domain_id.empty());
  EXPECT_FALSE(p.system_scope);
  EXPECT_EQ(p.roles, (std::vector<std::string>{"member", "reader"}));
  EXPECT_EQ(p.expires_at, 1795428623);  // 2026-11-23T10:10:23Z
  EXPECT_EQ(p.issued_at, 1795428623 - 3600);
  EXPECT_EQ(p.audit_id, "Zm9vYmFy");
  EXPECT_EQ(p.audit_chain_id, "Zm9vYmFy");  // a login: its own chain
  ASSERT_EQ(token->identity_endpoints.size(), 2u);
  EXPECT_EQ(token->identity_endpoints[1].interface, "internal");
  EXPECT_EQ(token->identity_endpoints[1].url, "http://10.0.0.5:5000/v3");
}

TEST(KeystoneTokenTest, RescopedToken_KeepsItsChainsFirstAuditId) {
  absl::StatusOr<KeystoneToken> token = ParseKeystoneToken(
      R"({"token": {"user": {"id": "u"}, "audit_ids": ["own", "first"],
          "issued_at": "2026-11-23T09:10:23.123456Z"}})");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->principal.audit_id, "own");
  EXPECT_EQ(token->principal.audit_chain_id, "first");
  EXPECT_EQ(token->principal.issued_at, 1795428623 - 3600);
}

TEST(KeystoneTokenTest, BadIssuedAt_IsInvalid) {
  EXPECT_FALSE(ParseKeystoneToken(
                   R"({"token": {"user": {"id": "u"}, "issued_at": "soon"}})")
                   .ok());
}

TEST(KeystoneTokenTest, DomainAndSystemScope_AreNotedWithoutProject) {
  absl::StatusOr<KeystoneToken> domain = ParseKeystoneToken(
      R"({"token": {"user": {"id": "u"}, "domain": {"id": "d-1"},
          "roles": [{"name": "admin"}],
          "expires_at": "2026-11-23T10:10:23Z"}})");
  ASSERT_TRUE(domain.ok()) << domain.status();
  EXPECT_EQ(domain->principal.domain_id, "d-1");
  EXPECT_TRUE(domain->principal.project_id.empty());
  absl::StatusOr<KeystoneToken> system = ParseKeystoneToken(
      R"({"token": {"user": {"id": "u"}, "system": {"all": true},
          "roles": [{"name": "reader"}]}})");
  ASSERT_TRUE(system.ok()) << system.status();
  EXPECT_TRUE(system->principal.system_scope);
  EXPECT_EQ(system->principal.expires_at, 0);
}

TEST(KeystoneTokenTest, Malformed_IsInvalidArgument) {
  for (const char* body :
       {"", "not json", "[]", R"({"token": 1})", R"({"token": {}})",
        R"({"token": {"user": {"id": 5}}})",
        R"({"token": {"user": {"id": "u"}, "expires_at": "tomorrow"}})"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseKeystoneToken(body).status()))
        << body;
  }
  // A non-boolean "all" is simply not system scope.
  absl::StatusOr<KeystoneToken> odd = ParseKeystoneToken(
      R"({"token": {"user": {"id": "u"}, "system": {"all": "yes"}}})");
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->principal.system_scope);
}

TEST(KeystoneTokenTest, ParseKeystoneTime_DropsFractions) {
  EXPECT_EQ(*ParseKeystoneTime("1970-01-01T00:01:40.999999Z"), 100);
  EXPECT_EQ(*ParseKeystoneTime("1970-01-01T00:01:40Z"), 100);
  EXPECT_FALSE(ParseKeystoneTime("1970-01-01 00:01:40").ok());
  EXPECT_FALSE(ParseKeystoneTime("1970-01-01T00:01:40+01:00").ok());
}

}  // namespace
}  // namespace porthole::controller::keystone
