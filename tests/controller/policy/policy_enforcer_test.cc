// The policy in force: defaults, a file's overrides, a policy directory,
// reload that keeps the old rules when the new file is bad.
#include "controller/policy/policy_enforcer.h"

#include <filesystem>
#include <memory>
#include <string>

#include "controller/policy/nova_policy_defaults.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

using ::testing::HasSubstr;

const PolicyCredentials kMember{"u1", "p1", {"member", "reader"}, false};
const PolicyCredentials kSupport{"u2", "p1", {"support"}, false};
const PolicyTarget kOwnServer{"p1", "u1"};

bool MayOpenConsole(const PolicyEnforcer& enforcer,
                    const PolicyCredentials& who) {
  return enforcer.Current()->Allows(kRemoteConsolesPolicy, who, kOwnServer);
}

TEST(PolicyEnforcer, NoFiles_IsNovasDefaults) {
  std::unique_ptr<PolicyEnforcer> enforcer = PolicyEnforcer::NovaDefaults();
  EXPECT_TRUE(MayOpenConsole(*enforcer, kMember));
  EXPECT_FALSE(MayOpenConsole(*enforcer, kSupport));
}

TEST(PolicyEnforcer, PolicyFile_OverridesTheDefaults) {
  ::porthole::testing::TempDir dir;
  const std::string file = dir.path() + "/policy.yaml";
  ::porthole::testing::WriteFile(
      file, "os_compute_api:os-remote-consoles: role:support\n");
  absl::StatusOr<std::unique_ptr<PolicyEnforcer>> enforcer =
      PolicyEnforcer::Load({file, {}});
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  EXPECT_TRUE(MayOpenConsole(**enforcer, kSupport));
  EXPECT_FALSE(MayOpenConsole(**enforcer, kMember));
}

TEST(PolicyEnforcer, PolicyDirs_OverrideThePolicyFile) {
  ::porthole::testing::TempDir dir;
  ::porthole::testing::WriteFile(
      dir.path() + "/policy.json",
      "{\"os_compute_api:os-remote-consoles\": \"!\"}");
  std::filesystem::create_directory(dir.path() + "/policy.d");
  ::porthole::testing::WriteFile(
      dir.path() + "/policy.d/consoles.yaml",
      "os_compute_api:os-remote-consoles: role:support\n");
  absl::StatusOr<std::unique_ptr<PolicyEnforcer>> enforcer =
      PolicyEnforcer::Load({dir.path() + "/policy.json",
                            {dir.path() + "/policy.d", dir.path() + "/gone"}});
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  EXPECT_TRUE(MayOpenConsole(**enforcer, kSupport));
}

TEST(PolicyEnforcer, BadFiles_AreLoadErrorsNamingFileAndLine) {
  ::porthole::testing::TempDir dir;
  const std::string file = dir.path() + "/policy.yaml";
  ::porthole::testing::WriteFile(
      file, "# comment\nos_compute_api:os-remote-consoles: role:a or or\n");
  absl::StatusOr<std::unique_ptr<PolicyEnforcer>> enforcer =
      PolicyEnforcer::Load({file, {}});
  ASSERT_FALSE(enforcer.ok());
  EXPECT_EQ(std::string(enforcer.status().message()),
            file +
                ":2: rule 'os_compute_api:os-remote-consoles': word 3: "
                "unexpected 'or'");
  EXPECT_FALSE(PolicyEnforcer::Load({dir.path() + "/missing.yaml", {}}).ok());
}

TEST(PolicyEnforcer, Reload_SwitchesRules_OrKeepsThemWhenTheFileIsBad) {
  ::porthole::testing::TempDir dir;
  const std::string file = dir.path() + "/policy.yaml";
  ::porthole::testing::WriteFile(file, "{}\n");
  absl::StatusOr<std::unique_ptr<PolicyEnforcer>> enforcer =
      PolicyEnforcer::Load({file, {}});
  ASSERT_TRUE(enforcer.ok()) << enforcer.status();
  std::shared_ptr<const PolicyRuleSet> before = (*enforcer)->Current();
  EXPECT_FALSE(MayOpenConsole(**enforcer, kSupport));

  ::porthole::testing::WriteFile(
      file, "os_compute_api:os-remote-consoles: role:support\n");
  ASSERT_TRUE((*enforcer)->Reload().ok());
  EXPECT_TRUE(MayOpenConsole(**enforcer, kSupport));
  // A request that took the old set keeps deciding by it.
  EXPECT_FALSE(before->Allows(kRemoteConsolesPolicy, kSupport, kOwnServer));

  ::porthole::testing::WriteFile(file,
                                 "context_is_admin: rule:context_is_admin\n");
  absl::Status bad = (*enforcer)->Reload();
  EXPECT_THAT(std::string(bad.message()),
              HasSubstr(file + ":1: rule 'context_is_admin'"));
  EXPECT_TRUE(MayOpenConsole(**enforcer, kSupport));
}

}  // namespace
}  // namespace porthole::controller
