#include "controller/policy/policy_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

absl::Status AtLine(const std::string& name, int zero_based_line,
                    std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, ":", zero_based_line + 1, ": ", std::string(what)));
}

// The document's rules; yaml-cpp throws, so everything it does is in here.
absl::StatusOr<std::vector<PolicyRuleSource>> RulesOf(const YAML::Node& root,
                                                      const std::string& name) {
  std::vector<PolicyRuleSource> rules;
  if (root.IsNull()) return rules;
  if (!root.IsMap()) {
    return AtLine(name, root.Mark().line,
                  "expected a mapping of rule name to rule string");
  }
  std::map<std::string, int> first_line;
  for (const auto& entry : root) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    const int line = key.Mark().line;
    if (!key.IsScalar()) return AtLine(name, line, "a rule name must be text");
    const std::string rule = key.as<std::string>();
    if (auto [it, added] = first_line.emplace(rule, line); !added) {
      return AtLine(
          name, line,
          absl::StrCat("rule '", rule, "' is already defined on line ",
                       it->second + 1));
    }
    if (!value.IsScalar()) {
      return AtLine(name, line,
                    absl::StrCat("rule '", rule,
                                 "': expected a rule string (\"\" allows "
                                 "everyone, \"!\" nobody)"));
    }
    rules.push_back(
        {rule, value.as<std::string>(), absl::StrCat(name, ":", line + 1)});
  }
  return rules;
}

}  // namespace

absl::StatusOr<std::vector<PolicyRuleSource>> ParsePolicyDocument(
    std::string_view text, const std::string& name) {
  try {
    return RulesOf(YAML::Load(std::string(text)), name);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", e.msg));
    }
    return AtLine(name, e.mark.line, e.msg);
  }
}

absl::StatusOr<std::vector<PolicyRuleSource>> ReadPolicyFile(
    const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy file ", path, " is a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    const std::string reason =
        absl::StrCat("cannot read policy file ", path, ": ", strerror(error));
    if (error == ENOENT) return absl::NotFoundError(reason);
    if (error == EACCES) return absl::PermissionDeniedError(reason);
    return absl::InvalidArgumentError(reason);
  }
  std::string text(kMaxPolicyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy file ", path, " is larger than ",
                     kMaxPolicyFileBytes, " bytes"));
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read policy file ", path));
  }
  return ParsePolicyDocument(text, path);
}

absl::StatusOr<std::vector<PolicyRuleSource>> ReadPolicyDirectory(
    const std::string& dir) {
  std::error_code error;
  std::vector<std::string> files;
  std::filesystem::directory_iterator it(dir, error);
  if (error == std::errc::no_such_file_or_directory) {
    return std::vector<PolicyRuleSource>{};
  }
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read policy directory ", dir, ": ", error.message()));
  }
  // increment(error), not ++: the throwing forms stay out of Porthole.
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) break;
    const std::string file = it->path().filename().string();
    std::error_code ignored;
    if (file.starts_with(".") || !it->is_regular_file(ignored)) continue;
    files.push_back(it->path().string());
  }
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read policy directory ", dir, ": ", error.message()));
  }
  std::sort(files.begin(), files.end());
  std::vector<PolicyRuleSource> rules;
  for (const std::string& file : files) {
    absl::StatusOr<std::vector<PolicyRuleSource>> more = ReadPolicyFile(file);
    if (!more.ok()) return more.status();
    rules.insert(rules.end(), more->begin(), more->end());
  }
  return rules;
}

std::string ResolvePolicyPath(const std::string& path,
                              const std::string& base_dir) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

}  // namespace porthole::controller
