#ifndef PORTHOLE_COMMON_OPTION_TABLE_H_
#define PORTHOLE_COMMON_OPTION_TABLE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "common/ini_file.h"
#include "common/logging.h"

namespace porthole {

// One configuration option: where it lives in the INI file, its command-line
// flag (if any), its default, a line of help, and how to store a value.
struct Option {
  std::string section;
  std::string key;
  std::string flag;  // e.g. "libvirt-uri" for --libvirt-uri; empty: none
  std::string default_value;
  std::string help;
  std::function<absl::Status(const std::string& value)> set;
};

// The one way a daemon reads its configuration: defaults, then the INI file,
// then command-line flags, each later source overriding the earlier. The same
// table prints --help and the configuration reference in docs/, so neither
// can drift from the code. Not thread-safe; used once at startup (and on
// SIGHUP, from the main thread).
class OptionTable {
 public:
  void Add(Option option);

  absl::Status ApplyDefaults() const;
  // Unknown sections/keys are errors, so a typo never goes unnoticed.
  absl::Status ApplyIni(const IniFile& ini) const;
  // Applies `--flag=value` / `--flag value` for table options. Other
  // arguments are returned in order, for the daemon's own flags.
  absl::StatusOr<std::vector<std::string>> ApplyFlags(
      const std::vector<std::string>& args) const;

  // The whole sequence a daemon runs at startup: defaults, then the INI file
  // named by --config (or `default_path`; a missing default file is fine, a
  // missing named one is an error), then flags. Arguments that are not table
  // options go to `rest`; the file read (empty: none) to `*config_file` when
  // given, so that relative paths in it can be resolved against its folder.
  absl::Status Load(const std::vector<std::string>& args,
                    const std::string& default_path,
                    std::vector<std::string>* rest,
                    std::string* config_file = nullptr) const;

  std::string Usage(std::string_view program) const;

  // The flags every daemon answers and exits on: --help (Usage plus
  // `extra_help`), --version and --print-config-reference. Returns the exit
  // code when one of them was given, nullopt otherwise.
  std::optional<int> HandleInfoFlags(const std::vector<std::string>& args,
                                     std::string_view program,
                                     std::string_view version,
                                     std::string_view extra_help = "") const;
  // A Markdown table per section: option, flag, default, meaning.
  std::string ReferenceMarkdown() const;

 private:
  const Option* FindIni(std::string_view section, std::string_view key) const;
  const Option* FindFlag(std::string_view flag) const;

  std::vector<Option> options_;
};

// Value parsers for Option::set. Errors say what was expected.
absl::StatusOr<bool> ParseBool(std::string_view text);
absl::StatusOr<double> ParseSeconds(std::string_view text);
absl::StatusOr<long> ParseInteger(std::string_view text, long min, long max);

// Ready-made Option::set functions that parse and store into `*out`.
using OptionSetter = std::function<absl::Status(const std::string&)>;
OptionSetter StoreString(std::string* out);
// Comma-separated items, trimmed, empty ones dropped (lowered if asked).
OptionSetter StoreList(std::vector<std::string>* out, bool lowercase = false);
OptionSetter StoreBool(bool* out);
OptionSetter StoreDuration(absl::Duration* out);
OptionSetter StoreLogLevel(LogLevel* out);
OptionSetter StoreHostPort(HostPort* out, uint16_t default_port);
// As StoreHostPort; an empty value clears `*out` (a listener turned off).
OptionSetter StoreOptionalHostPort(std::optional<HostPort>* out,
                                   uint16_t default_port);
template <typename Int>
OptionSetter StoreInteger(Int* out, long min, long max) {
  return [out, min, max](const std::string& v) -> absl::Status {
    absl::StatusOr<long> n = ParseInteger(v, min, max);
    if (!n.ok()) return n.status();
    *out = static_cast<Int>(*n);
    return absl::OkStatus();
  };
}

}  // namespace porthole

#endif  // PORTHOLE_COMMON_OPTION_TABLE_H_
