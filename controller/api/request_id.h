#ifndef PORTHOLE_CONTROLLER_API_REQUEST_ID_H_
#define PORTHOLE_CONTROLLER_API_REQUEST_ID_H_

#include <string>

namespace porthole::controller {

// A fresh request id as oslo's request_id middleware makes them:
// "req-" + a lowercase UUID4. Thread-safe.
std::string NewRequestId();

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_REQUEST_ID_H_
