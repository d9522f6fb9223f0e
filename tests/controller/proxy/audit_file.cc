#include "tests/controller/proxy/audit_file.h"

#include <chrono>

#include "tests/support/child_process.h"

namespace porthole::testing {

std::vector<nlohmann::json> AuditRecords(const std::string& path,
                                         const std::string& event,
                                         size_t count) {
  std::vector<nlohmann::json> out;
  WaitFor(
      [&] {
        out.clear();
        const std::string text = ReadFile(path);
        size_t start = 0;
        for (size_t end; (end = text.find('\n', start)) != std::string::npos;
             start = end + 1) {
          nlohmann::json record =
              nlohmann::json::parse(text.substr(start, end - start));
          if (record["event"] == event) out.push_back(std::move(record));
        }
        return out.size() >= count;
      },
      std::chrono::seconds(5));
  return out;
}

}  // namespace porthole::testing
