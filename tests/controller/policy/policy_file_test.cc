// Policy files: YAML and JSON documents, line numbers in every error, the
// files of a policy directory, relative paths.
#include "controller/policy/policy_file.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Error(std::string_view text) {
  absl::StatusOr<std::vector<PolicyRuleSource>> rules =
      ParsePolicyDocument(text, "policy.yaml");
  return rules.ok() ? "ok" : std::string(rules.status().message());
}

TEST(PolicyFile, Yaml_GivesEachRuleWithItsLine) {
  absl::StatusOr<std::vector<PolicyRuleSource>> rules = ParsePolicyDocument(
      "# consoles for the support desk\n"
      "\"os_compute_api:os-remote-consoles\": \"role:support or "
      "rule:project_member_or_admin\"\n"
      "\n"
      "context_is_admin: role:cloud-admin\n"
      "everyone: ''\n"
      "nobody: '!'\n",
      "policy.yaml");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 4u);
  EXPECT_EQ((*rules)[0].name, "os_compute_api:os-remote-consoles");
  EXPECT_EQ((*rules)[0].text, "role:support or rule:project_member_or_admin");
  EXPECT_EQ((*rules)[0].origin, "policy.yaml:2");
  EXPECT_EQ((*rules)[1].name, "context_is_admin");
  EXPECT_EQ((*rules)[1].text, "role:cloud-admin");
  EXPECT_EQ((*rules)[1].origin, "policy.yaml:4");
  EXPECT_EQ((*rules)[2].text, "");
  EXPECT_EQ((*rules)[3].text, "!");
}

TEST(PolicyFile, Json_IsReadToo) {
  absl::StatusOr<std::vector<PolicyRuleSource>> rules = ParsePolicyDocument(
      "{\n"
      "  \"context_is_admin\": \"role:admin\",\n"
      "  \"os_compute_api:os-remote-consoles\": \"@\"\n"
      "}\n",
      "policy.json");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[1].name, "os_compute_api:os-remote-consoles");
  EXPECT_EQ((*rules)[1].text, "@");
  EXPECT_EQ((*rules)[1].origin, "policy.json:3");
}

TEST(PolicyFile, JsonIndentedWithTabs_IsReadToo) {
  absl::StatusOr<std::vector<PolicyRuleSource>> rules = ParsePolicyDocument(
      "{\n\t\"a\": \"role:x\",\n\t\"b\": \"role:y\"\n}\n", "p.json");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[1].origin, "p.json:3");
}

TEST(PolicyFile, EmptyDocument_HasNoRules) {
  EXPECT_EQ(Error(""), "ok");
  EXPECT_EQ(Error("# nothing here\n"), "ok");
  EXPECT_EQ(Error("{}"), "ok");
}

TEST(PolicyFile, BadDocuments_NameTheLine) {
  EXPECT_THAT(Error("a: role:x\nb: role:y: z\nc: role:w\n"),
              StartsWith("policy.yaml:2: "));
  EXPECT_THAT(Error("a: role:x\nb: [role:y\n"), StartsWith("policy.yaml:3: "));
  EXPECT_THAT(Error("{\"a\": \"role:x\",\n \"b\" \"role:y\"}\n"),
              StartsWith("policy.yaml:2: "));
  EXPECT_EQ(Error("- role:x\n"),
            "policy.yaml:1: expected a mapping of rule name to rule string");
  EXPECT_EQ(Error("a: role:x\nb:\n"),
            "policy.yaml:2: rule 'b': expected a rule string (\"\" allows "
            "everyone, \"!\" nobody)");
  EXPECT_EQ(Error("a: role:x\nb: [role:y]\n"),
            "policy.yaml:2: rule 'b': expected a rule string (\"\" allows "
            "everyone, \"!\" nobody)");
  EXPECT_EQ(Error("a: role:x\n\na: role:y\n"),
            "policy.yaml:3: rule 'a' is already defined on line 1");
}

TEST(PolicyFile, ReadPolicyFile_NamesFilesItCannotRead) {
  ::porthole::testing::TempDir dir;
  absl::StatusOr<std::vector<PolicyRuleSource>> missing =
      ReadPolicyFile(dir.path() + "/nope.yaml");
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(
      std::string(missing.status().message()),
      HasSubstr("cannot read policy file " + dir.path() + "/nope.yaml"));
  EXPECT_THAT(std::string(ReadPolicyFile(dir.path()).status().message()),
              HasSubstr("is a directory"));
  ::porthole::testing::WriteFile(dir.path() + "/big.yaml",
                                 std::string(kMaxPolicyFileBytes + 1, '#'));
  EXPECT_THAT(
      std::string(ReadPolicyFile(dir.path() + "/big.yaml").status().message()),
      HasSubstr("is larger than"));
  ::porthole::testing::WriteFile(dir.path() + "/ok.yaml", "a: role:x\n");
  absl::StatusOr<std::vector<PolicyRuleSource>> ok =
      ReadPolicyFile(dir.path() + "/ok.yaml");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->at(0).origin, dir.path() + "/ok.yaml:1");
}

TEST(PolicyFile, Directory_IsReadInNameOrder_MissingIsEmpty) {
  ::porthole::testing::TempDir dir;
  ::porthole::testing::WriteFile(dir.path() + "/20-late.yaml",
                                 "a: role:late\n");
  ::porthole::testing::WriteFile(dir.path() + "/10-early.json",
                                 "{\"a\": \"role:early\"}");
  ::porthole::testing::WriteFile(dir.path() + "/.hidden.yaml",
                                 "a: role:hidden\n");
  absl::StatusOr<std::vector<PolicyRuleSource>> rules =
      ReadPolicyDirectory(dir.path());
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].text, "role:early");
  EXPECT_EQ((*rules)[1].text, "role:late");
  absl::StatusOr<std::vector<PolicyRuleSource>> none =
      ReadPolicyDirectory(dir.path() + "/policy.d");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(PolicyFile, RelativePaths_AreTakenFromTheConfigFolder) {
  EXPECT_EQ(ResolvePolicyPath("policy.yaml", "/etc/porthole"),
            "/etc/porthole/policy.yaml");
  EXPECT_EQ(ResolvePolicyPath("/srv/p.yaml", "/etc/porthole"), "/srv/p.yaml");
  EXPECT_EQ(ResolvePolicyPath("policy.yaml", ""), "policy.yaml");
  EXPECT_EQ(ResolvePolicyPath("", "/etc/porthole"), "");
}

}  // namespace
}  // namespace porthole::controller
