#include "controller/auth/noauth2_authenticator.h"

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

TEST(Noauth2AuthenticatorTest, UserColonProject_GivesBoth) {
  absl::StatusOr<Principal> principal =
      Noauth2Authenticator().Authenticate("alice:p1");
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->user_id, "alice");
  EXPECT_EQ(principal->project_id, "p1");
  EXPECT_EQ(principal->roles, (std::vector<std::string>{"member", "reader"}));
  EXPECT_FALSE(principal->is_admin());
}

TEST(Noauth2AuthenticatorTest, NoColon_ProjectIsTheUser) {
  absl::StatusOr<Principal> principal =
      Noauth2Authenticator().Authenticate("notused");
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->project_id, "notused");
  principal = Noauth2Authenticator().Authenticate("bob:");
  EXPECT_EQ(principal->project_id, "bob");
}

TEST(Noauth2AuthenticatorTest, AdminUser_GetsAdminRole) {
  absl::StatusOr<Principal> principal =
      Noauth2Authenticator().Authenticate("admin:ops");
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->roles,
            (std::vector<std::string>{"admin", "member", "reader"}));
  EXPECT_TRUE(principal->is_admin());
}

TEST(Noauth2AuthenticatorTest, EmptyTokenOrUser_IsRefused) {
  EXPECT_FALSE(Noauth2Authenticator().Authenticate("").ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      Noauth2Authenticator().Authenticate(":p1").status()));
}

TEST(Noauth2AuthenticatorTest, ProjectKeepsLaterColons) {
  EXPECT_EQ(Noauth2Authenticator().Authenticate("u:a:b")->project_id, "a:b");
}

}  // namespace
}  // namespace porthole::controller
