#include "controller/policy/policy_enforcer.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "controller/policy/nova_policy_defaults.h"
#include "controller/policy/policy_file.h"

namespace porthole::controller {
namespace {

constexpr size_t kMaxNamesLogged = 10;

std::string SomeNames(const std::vector<std::string>& names) {
  std::vector<std::string> shown(
      names.begin(), names.begin() + static_cast<long>(std::min(
                                         names.size(), kMaxNamesLogged)));
  std::string out = absl::StrJoin(shown, ", ");
  if (names.size() > shown.size()) {
    absl::StrAppend(&out, " and ", names.size() - shown.size(), " more");
  }
  return out;
}

void WarnAbout(const PolicyRuleSet& rules) {
  if (!rules.unused_overrides().empty()) {
    LogWarning("policy", "rules Porthole does not check (a typo, or another ",
               "service's): ", SomeNames(rules.unused_overrides()));
  }
  if (!rules.undefined_references().empty()) {
    LogWarning("policy", "rule: checks name undefined rules (they never ",
               "pass): ", SomeNames(rules.undefined_references()));
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const PolicyRuleSet>> PolicyEnforcer::ReadRules(
    const PolicyFiles& files) {
  std::vector<PolicyRuleSource> overrides;
  if (!files.policy_file.empty()) {
    absl::StatusOr<std::vector<PolicyRuleSource>> rules =
        ReadPolicyFile(files.policy_file);
    if (!rules.ok()) return rules.status();
    overrides = *std::move(rules);
  }
  for (const std::string& dir : files.policy_dirs) {
    absl::StatusOr<std::vector<PolicyRuleSource>> rules =
        ReadPolicyDirectory(dir);
    if (!rules.ok()) return rules.status();
    overrides.insert(overrides.end(), rules->begin(), rules->end());
  }
  absl::StatusOr<PolicyRuleSet> built =
      PolicyRuleSet::Build(NovaPolicyDefaults(), overrides);
  if (!built.ok()) return built.status();
  WarnAbout(*built);
  if (!overrides.empty()) {
    LogInfo(
        "policy", "policy loaded ",
        LogField("overrides", std::to_string(overrides.size())), " ",
        LogField("file", files.policy_file.empty() ? "-" : files.policy_file));
  }
  return std::make_shared<const PolicyRuleSet>(*std::move(built));
}

absl::StatusOr<std::unique_ptr<PolicyEnforcer>> PolicyEnforcer::Load(
    PolicyFiles files) {
  absl::StatusOr<std::shared_ptr<const PolicyRuleSet>> rules = ReadRules(files);
  if (!rules.ok()) return rules.status();
  return std::make_unique<PolicyEnforcer>(std::move(files), *std::move(rules));
}

std::unique_ptr<PolicyEnforcer> PolicyEnforcer::NovaDefaults() {
  absl::StatusOr<std::unique_ptr<PolicyEnforcer>> enforcer = Load({});
  if (!enforcer.ok()) {
    // Only a broken NovaPolicyDefaults() gets here; its tests catch that.
    LogError("policy", "Nova's default policy does not build: ",
             std::string(enforcer.status().message()));
    std::abort();
  }
  return *std::move(enforcer);
}

absl::Status PolicyEnforcer::Reload() {
  absl::StatusOr<std::shared_ptr<const PolicyRuleSet>> rules =
      ReadRules(files_);
  if (!rules.ok()) return rules.status();
  absl::MutexLock lock(&mu_);
  rules_ = *std::move(rules);
  return absl::OkStatus();
}

std::shared_ptr<const PolicyRuleSet> PolicyEnforcer::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return rules_;
}

}  // namespace porthole::controller
