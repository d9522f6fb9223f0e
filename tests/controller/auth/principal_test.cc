#include "controller/auth/principal.h"

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

using Roles = std::vector<std::string>;

TEST(PrincipalTest, WithDefaultImpliedRoles_AdminImpliesMemberAndReader) {
  EXPECT_EQ(WithDefaultImpliedRoles({"admin"}),
            (Roles{"admin", "member", "reader"}));
  EXPECT_EQ(WithDefaultImpliedRoles({"member"}), (Roles{"member", "reader"}));
  EXPECT_EQ(WithDefaultImpliedRoles({"reader"}), (Roles{"reader"}));
}

TEST(PrincipalTest, WithDefaultImpliedRoles_KeepsOrderAndAddsNoDuplicate) {
  EXPECT_EQ(WithDefaultImpliedRoles({"reader", "admin", "custom"}),
            (Roles{"reader", "admin", "custom", "member"}));
  EXPECT_EQ(WithDefaultImpliedRoles({"admin", "member", "reader"}),
            (Roles{"admin", "member", "reader"}));
  EXPECT_EQ(WithDefaultImpliedRoles({}), Roles{});
  // Names match without regard to case, as in oslo.policy.
  EXPECT_EQ(WithDefaultImpliedRoles({"Member"}), (Roles{"Member", "reader"}));
}

TEST(PrincipalTest, IsAdmin_ByRoleName) {
  Principal principal;
  principal.roles = {"member"};
  EXPECT_FALSE(principal.is_admin());
  principal.roles = WithDefaultImpliedRoles({"admin"});
  EXPECT_TRUE(principal.is_admin());
  EXPECT_TRUE(principal.HasRole("reader"));
}

}  // namespace
}  // namespace porthole::controller
