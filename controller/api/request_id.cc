#include "controller/api/request_id.h"

#include "common/uuid.h"

namespace porthole::controller {

std::string NewRequestId() { return "req-" + NewUuid4(); }

}  // namespace porthole::controller
