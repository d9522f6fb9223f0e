#ifndef PORTHOLE_COMMON_INI_FILE_H_
#define PORTHOLE_COMMON_INI_FILE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace porthole {

// An INI file as both daemons read their configuration: `[section]` headers,
// `key = value` lines, `#` and `;` comments on their own lines. Keys before
// any header belong to section "DEFAULT". Section and key names are
// case-sensitive, as in oslo.config. A repeated key keeps its last value.
// Immutable after parsing; safe to read from any thread.
class IniFile {
 public:
  static constexpr size_t kMaxBytes = 1 << 20;

  // Errors name the line: "line 7: expected 'key = value'".
  static absl::StatusOr<IniFile> Parse(std::string_view text);
  // Reads and parses `path`; errors start with the path.
  static absl::StatusOr<IniFile> Load(const std::string& path);

  std::optional<std::string> Get(std::string_view section,
                                 std::string_view key) const;
  bool HasSection(std::string_view section) const;
  // Every (section, key) pair, in file order, for checking unknown options.
  const std::vector<std::pair<std::string, std::string>>& keys() const {
    return keys_;
  }

 private:
  std::map<std::string, std::map<std::string, std::string, std::less<>>,
           std::less<>>
      sections_;
  std::vector<std::pair<std::string, std::string>> keys_;
};

}  // namespace porthole

#endif  // PORTHOLE_COMMON_INI_FILE_H_
