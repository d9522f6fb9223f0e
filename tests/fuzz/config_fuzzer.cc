// The INI loader and the option table both daemons read their config with:
// any text must parse or fail with an error, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/ini_file.h"
#include "common/option_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<porthole::IniFile> ini = porthole::IniFile::Parse(text);
  if (!ini.ok()) return 0;
  std::string listen, level;
  bool flag = false;
  absl::Duration seconds;
  int count = 0;
  porthole::HostPort address;
  porthole::LogLevel log_level;
  porthole::OptionTable table;
  table.Add({"a", "s", "", "", "", porthole::StoreString(&listen)});
  table.Add({"a", "b", "", "true", "", porthole::StoreBool(&flag)});
  table.Add({"a", "t", "", "1", "", porthole::StoreDuration(&seconds)});
  table.Add({"a", "n", "", "1", "", porthole::StoreInteger(&count, 0, 100)});
  table.Add({"a", "h", "", "x:1", "", porthole::StoreHostPort(&address, 1)});
  table.Add({"DEFAULT", "log_level", "", "info", "",
             porthole::StoreLogLevel(&log_level)});
  (void)table.ApplyDefaults();
  (void)table.ApplyIni(*ini);
  return 0;
}
