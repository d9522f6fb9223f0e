#ifndef PORTHOLE_CONTROLLER_POLICY_POLICY_FILE_H_
#define PORTHOLE_CONTROLLER_POLICY_POLICY_FILE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "controller/policy/policy_rule_set.h"

namespace porthole::controller {

// Policy files as oslo.policy reads them: a YAML or JSON mapping of rule
// name to rule string (JSON is read as the YAML it is a subset of). Each
// rule's origin is "FILE:LINE" of its name. Rule strings are not parsed
// here (PolicyRuleSet does that, naming the same origin).

inline constexpr size_t kMaxPolicyFileBytes = 1 << 20;

// INVALID_ARGUMENT "NAME:LINE: ..." for a document that is not YAML, not a
// mapping, a value that is not a string (a null, a list), or a rule named
// twice. An empty document has no rules. Pure; `name` is used in messages.
absl::StatusOr<std::vector<PolicyRuleSource>> ParsePolicyDocument(
    std::string_view text, const std::string& name);

// Reads and parses `path`. NOT_FOUND / PERMISSION_DENIED / INVALID_ARGUMENT
// naming the file when it cannot be read or is over kMaxPolicyFileBytes.
absl::StatusOr<std::vector<PolicyRuleSource>> ReadPolicyFile(
    const std::string& path);

// Every regular file of `dir` (not starting with '.'), in name order, as
// oslo reads its policy_dirs. A missing directory has no rules, as in oslo.
absl::StatusOr<std::vector<PolicyRuleSource>> ReadPolicyDirectory(
    const std::string& dir);

// `path` if absolute, else `base_dir`/`path` (Porthole's reading of oslo's
// search: the directory of the configuration file).
std::string ResolvePolicyPath(const std::string& path,
                              const std::string& base_dir);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_POLICY_POLICY_FILE_H_
