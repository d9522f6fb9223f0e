#ifndef PORTHOLE_AGENT_LIBVIRT_LIBVIRT_ERROR_H_
#define PORTHOLE_AGENT_LIBVIRT_LIBVIRT_ERROR_H_

#include <string_view>

#include "absl/status/status.h"

namespace porthole::agent {

// A failed libvirt call as an absl::Status. libvirt keeps its last error per
// thread, so LastLibvirtError() must run on the thread that made the call,
// before any other libvirt call. The status code says what the failure means:
//   NOT_FOUND         VIR_ERR_NO_DOMAIN: no such domain (or it went away)
//   INVALID_ARGUMENT  VIR_ERR_INVALID_ARG: e.g. a malformed UUID
//   UNAVAILABLE       a connection-class error (IsLibvirtConnectionError)
//   INTERNAL          anything else
// libvirt's own error number rides along as a payload (LibvirtErrorCode), for
// callers that must tell "gone" from "broken".
absl::Status LastLibvirtError(std::string_view context = {});

// The virErrorNumber a status from LastLibvirtError carries; VIR_ERR_OK (0)
// for any other status, e.g. a parse error or OK.
int LibvirtErrorCode(const absl::Status& status);

// The error numbers a broken connection produces (Nova's _test_connection
// looks at the same ones). Only a hint: the connection may still be alive.
bool IsLibvirtConnectionError(int code);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_LIBVIRT_ERROR_H_
