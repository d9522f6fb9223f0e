#include "common/option_table.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole {
namespace {

std::string Where(const Option& o) {
  return absl::StrCat("[", o.section, "] ", o.key);
}

absl::Status Annotate(const absl::Status& status, const std::string& where) {
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": ", std::string(status.message())));
}

}  // namespace

void OptionTable::Add(Option option) { options_.push_back(std::move(option)); }

const Option* OptionTable::FindIni(std::string_view section,
                                   std::string_view key) const {
  for (const Option& o : options_) {
    if (o.section == section && o.key == key) return &o;
  }
  return nullptr;
}

const Option* OptionTable::FindFlag(std::string_view flag) const {
  for (const Option& o : options_) {
    if (!o.flag.empty() && o.flag == flag) return &o;
  }
  return nullptr;
}

absl::Status OptionTable::ApplyDefaults() const {
  for (const Option& o : options_) {
    absl::Status s = o.set(o.default_value);
    if (!s.ok()) return Annotate(s, Where(o) + " (default)");
  }
  return absl::OkStatus();
}

absl::Status OptionTable::ApplyIni(const IniFile& ini) const {
  for (const auto& [section, key] : ini.keys()) {
    const Option* o = FindIni(section, key);
    if (o == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option [", section, "] ", key));
    }
    absl::Status s = o->set(*ini.Get(section, key));
    if (!s.ok()) return Annotate(s, Where(*o));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> OptionTable::ApplyFlags(
    const std::vector<std::string>& args) const {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--")) {
      rest.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    const Option* o = FindFlag(name);
    if (o == nullptr) {
      rest.push_back(arg);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    absl::Status s = o->set(value);
    if (!s.ok()) return Annotate(s, "--" + name);
  }
  return rest;
}

absl::Status OptionTable::Load(const std::vector<std::string>& args,
                               const std::string& default_path,
                               std::vector<std::string>* rest,
                               std::string* config_file) const {
  if (absl::Status s = ApplyDefaults(); !s.ok()) return s;
  std::string path = default_path;
  bool named = false;
  std::vector<std::string> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      path = args[++i];
      named = true;
    } else if (args[i].starts_with("--config=")) {
      path = args[i].substr(9);
      named = true;
    } else {
      flags.push_back(args[i]);
    }
  }
  if (config_file != nullptr) config_file->clear();
  if (named || std::filesystem::exists(path)) {
    absl::StatusOr<IniFile> ini = IniFile::Load(path);
    if (!ini.ok()) return ini.status();
    if (absl::Status s = ApplyIni(*ini); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", std::string(s.message())));
    }
    if (config_file != nullptr) *config_file = path;
  }
  absl::StatusOr<std::vector<std::string>> leftover = ApplyFlags(flags);
  if (!leftover.ok()) return leftover.status();
  *rest = std::move(*leftover);
  return absl::OkStatus();
}

std::string OptionTable::Usage(std::string_view program) const {
  std::string out = absl::StrCat("usage: ", std::string(program),
                                 " [--config FILE] [options]\n\noptions:\n");
  for (const Option& o : options_) {
    if (o.flag.empty()) continue;
    absl::StrAppend(&out, "  --", o.flag, " VALUE\n      ", o.help, " (",
                    Where(o), ", default '", o.default_value, "')\n");
  }
  return out;
}

std::optional<int> OptionTable::HandleInfoFlags(
    const std::vector<std::string>& args, std::string_view program,
    std::string_view version, std::string_view extra_help) const {
  auto has = [&](std::string_view flag) {
    return std::find(args.begin(), args.end(), flag) != args.end();
  };
  if (has("--help")) {
    std::cout << Usage(program) << extra_help
              << "  --version\n  --print-config-reference\n";
    return 0;
  }
  if (has("--version")) {
    std::cout << program << " " << version << "\n";
    return 0;
  }
  if (has("--print-config-reference")) {
    std::cout << ReferenceMarkdown();
    return 0;
  }
  return std::nullopt;
}

std::string OptionTable::ReferenceMarkdown() const {
  std::map<std::string, std::vector<const Option*>> by_section;
  std::vector<std::string> order;
  for (const Option& o : options_) {
    if (!by_section.contains(o.section)) order.push_back(o.section);
    by_section[o.section].push_back(&o);
  }
  std::string out;
  for (const std::string& section : order) {
    absl::StrAppend(
        &out, "### [", section, "]\n\n",
        "| option | flag | default | meaning |\n|---|---|---|---|\n");
    for (const Option* o : by_section[section]) {
      absl::StrAppend(&out, "| `", o->key, "` | ",
                      o->flag.empty() ? "" : absl::StrCat("`--", o->flag, "`"),
                      " | `", o->default_value, "` | ", o->help, " |\n");
    }
    out += "\n";
  }
  return out;
}

absl::StatusOr<bool> ParseBool(std::string_view text) {
  std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off" || lower == "0") {
    return false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected true or false, got '", std::string(text), "'"));
}

absl::StatusOr<double> ParseSeconds(std::string_view text) {
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() ||
      !std::isfinite(value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a number of seconds, got '", copy, "'"));
  }
  return value;
}

absl::StatusOr<long> ParseInteger(std::string_view text, long min, long max) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min ||
      value > max) {
    return absl::InvalidArgumentError(absl::StrCat("expected an integer in [",
                                                   min, ", ", max, "], got '",
                                                   std::string(text), "'"));
  }
  return value;
}

OptionSetter StoreString(std::string* out) {
  return [out](const std::string& v) {
    *out = v;
    return absl::OkStatus();
  };
}

OptionSetter StoreList(std::vector<std::string>* out, bool lowercase) {
  return [out, lowercase](const std::string& v) {
    out->clear();
    for (std::string_view item : Split(v, ',')) {
      std::string text(Trim(item));
      if (lowercase) text = AsciiLower(text);
      if (!text.empty()) out->push_back(std::move(text));
    }
    return absl::OkStatus();
  };
}

OptionSetter StoreBool(bool* out) {
  return [out](const std::string& v) -> absl::Status {
    absl::StatusOr<bool> b = ParseBool(v);
    if (!b.ok()) return b.status();
    *out = *b;
    return absl::OkStatus();
  };
}

OptionSetter StoreDuration(absl::Duration* out) {
  return [out](const std::string& v) -> absl::Status {
    absl::StatusOr<double> s = ParseSeconds(v);
    if (!s.ok()) return s.status();
    *out = absl::Seconds(*s);
    return absl::OkStatus();
  };
}

OptionSetter StoreLogLevel(LogLevel* out) {
  return [out](const std::string& v) -> absl::Status {
    absl::StatusOr<LogLevel> level = ParseLogLevel(v);
    if (!level.ok()) return level.status();
    *out = *level;
    return absl::OkStatus();
  };
}

OptionSetter StoreHostPort(HostPort* out, uint16_t default_port) {
  return [out, default_port](const std::string& v) -> absl::Status {
    absl::StatusOr<HostPort> hp = ParseHostPort(v, default_port);
    if (!hp.ok()) return hp.status();
    *out = *hp;
    return absl::OkStatus();
  };
}

OptionSetter StoreOptionalHostPort(std::optional<HostPort>* out,
                                   uint16_t default_port) {
  return [out, default_port](const std::string& v) -> absl::Status {
    if (v.empty()) {
      out->reset();
      return absl::OkStatus();
    }
    absl::StatusOr<HostPort> hp = ParseHostPort(v, default_port);
    if (!hp.ok()) return hp.status();
    *out = *hp;
    return absl::OkStatus();
  };
}

}  // namespace porthole
