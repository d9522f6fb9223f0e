#include "common/ini_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole {
namespace {

absl::Status LineError(int line, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line, ": ", std::string(what)));
}

}  // namespace

absl::StatusOr<IniFile> IniFile::Parse(std::string_view text) {
  if (text.size() > kMaxBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("config is larger than ", kMaxBytes, " bytes"));
  }
  IniFile ini;
  std::string section = "DEFAULT";
  int line_number = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line(Trim(text.substr(pos, end - pos)));
    pos = end + 1;
    ++line_number;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.find('\0') != std::string::npos) {
      return LineError(line_number, "NUL byte");
    }
    if (line[0] == '[') {
      if (line.back() != ']' || line.size() < 3) {
        return LineError(line_number, "expected '[section]'");
      }
      section =
          std::string(Trim(std::string_view(line).substr(1, line.size() - 2)));
      if (section.empty()) return LineError(line_number, "empty section name");
      ini.sections_[section];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return LineError(line_number, "expected 'key = value'");
    }
    std::string key(Trim(std::string_view(line).substr(0, eq)));
    if (key.empty()) return LineError(line_number, "empty key");
    std::string value(Trim(std::string_view(line).substr(eq + 1)));
    ini.sections_[section][key] = value;
    ini.keys_.emplace_back(section, key);
  }
  return ini;
}

absl::StatusOr<IniFile> IniFile::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<IniFile> ini = Parse(buffer.str());
  if (!ini.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(ini.status().message())));
  }
  return ini;
}

std::optional<std::string> IniFile::Get(std::string_view section,
                                        std::string_view key) const {
  auto s = sections_.find(section);
  if (s == sections_.end()) return std::nullopt;
  auto k = s->second.find(key);
  if (k == s->second.end()) return std::nullopt;
  return k->second;
}

bool IniFile::HasSection(std::string_view section) const {
  return sections_.find(section) != sections_.end();
}

}  // namespace porthole
