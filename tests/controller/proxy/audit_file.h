#ifndef PORTHOLE_TESTS_CONTROLLER_PROXY_AUDIT_FILE_H_
#define PORTHOLE_TESTS_CONTROLLER_PROXY_AUDIT_FILE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace porthole::testing {

// The records of `event` in the JSON-lines audit file at `path`, once at
// least `count` are written (or what there is after 5 s).
std::vector<nlohmann::json> AuditRecords(const std::string& path,
                                         const std::string& event,
                                         size_t count = 1);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_CONTROLLER_PROXY_AUDIT_FILE_H_
