#ifndef PORTHOLE_TESTS_SUPPORT_PROC_STATUS_H_
#define PORTHOLE_TESTS_SUPPORT_PROC_STATUS_H_

#include <sys/types.h>

#include <string>

namespace porthole::testing {

// The number in a "Field:  123 kB" line of /proc/PID/status (`pid` 0: this
// process), e.g. "VmRSS" (KiB) or "Threads"; -1 when there is none.
long ProcStatusField(pid_t pid, const std::string& field);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_PROC_STATUS_H_
