#include "common/clock.h"

#include <ctime>

namespace porthole {

int64_t SystemUnixSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace porthole
