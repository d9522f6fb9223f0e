#ifndef PORTHOLE_CONTROLLER_POLICY_POLICY_ENFORCER_H_
#define PORTHOLE_CONTROLLER_POLICY_POLICY_ENFORCER_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/policy/policy_rule_set.h"

namespace porthole::controller {

// Where an operator's rules come from ([oslo_policy] policy_file and
// policy_dirs), as paths already resolved. Empty: Nova's defaults only.
struct PolicyFiles {
  std::string policy_file;
  std::vector<std::string> policy_dirs;
};

// The policy in force: Nova's defaults overridden by the policy file, then
// by the files of each policy directory in order. Load() and Reload()
// (SIGHUP) read every file and build a whole new PolicyRuleSet; a reload
// that fails keeps the set in use. Rules Porthole never checks and
// references to undefined rules are logged as warnings, not refused.
// Thread-safe: Current() copies a pointer under a lock, so a request
// evaluates one consistent set however long it runs.
class PolicyEnforcer {
 public:
  // Errors name the file and line: an unreadable or missing policy_file,
  // bad YAML/JSON, a rule that does not parse, a cycle of rule: checks.
  static absl::StatusOr<std::unique_ptr<PolicyEnforcer>> Load(
      PolicyFiles files);
  // Nova's defaults, no files (they are tested, so this cannot fail).
  static std::unique_ptr<PolicyEnforcer> NovaDefaults();
  // What Load builds: `rules` in force, `files` for Reload.
  PolicyEnforcer(PolicyFiles files, std::shared_ptr<const PolicyRuleSet> rules)
      : files_(std::move(files)), rules_(std::move(rules)) {}

  // Re-reads the files given to Load. On error returns it and keeps the
  // rules in use.
  absl::Status Reload();

  std::shared_ptr<const PolicyRuleSet> Current() const;

 private:
  static absl::StatusOr<std::shared_ptr<const PolicyRuleSet>> ReadRules(
      const PolicyFiles& files);

  const PolicyFiles files_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const PolicyRuleSet> rules_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_POLICY_ENFORCER_H_
