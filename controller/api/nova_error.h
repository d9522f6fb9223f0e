#ifndef PORTHOLE_CONTROLLER_API_NOVA_ERROR_H_
#define PORTHOLE_CONTROLLER_API_NOVA_ERROR_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controller/http/http_message.h"

namespace porthole::controller {

// Every error the API answers, in the shape each layer of a real Nova
// deployment gives it. This file is the one place that writes error bodies
// and the one place that maps absl::Status codes to HTTP.

// WebOb's default texts, byte for byte (CRLFs included).
inline constexpr char kWebObBadRequestText[] =
    "The server could not comply with the request since\r\nit is either "
    "malformed or otherwise incorrect.\r\n";
inline constexpr char kResourceNotFoundText[] =
    "The resource could not be found.";
inline constexpr char kGoneText[] =
    "This resource is no longer available.  No forwarding address is given.";
inline constexpr char kUnexpectedErrorText[] =
    "Unexpected API Error. Please contact the administrator.";

// Nova's fault name for a code: badRequest, unauthorized, forbidden,
// itemNotFound, badMethod, conflictingRequest, overLimit (413, 429),
// badMediaType, notImplemented, serviceUnavailable; computeFault otherwise.
std::string_view FaultName(int code);

// A Nova Fault: {"<name>": {"code": <code>, "message": <message>}} with
// `Content-Type: application/json; charset=UTF-8`. The message may hold
// outside bytes; they are escaped (invalid UTF-8 becomes U+FFFD).
HttpResponse NovaFault(int code, std::string_view message);

// The one Status -> HTTP mapping of the API:
//   INVALID_ARGUMENT 400, PERMISSION_DENIED 403, NOT_FOUND 404,
//   FAILED_PRECONDITION/ABORTED/ALREADY_EXISTS 409, RESOURCE_EXHAUSTED 413,
//   UNIMPLEMENTED 501, UNAVAILABLE 503, with the status message as the
//   fault message. Anything else is a 500 computeFault with
//   kUnexpectedErrorText (internal details stay in the log).
HttpResponse FaultFromStatus(const absl::Status& status);

// What a route answers when the token store did not answer within its
// deadline (etcd down or electing a leader): UNAVAILABLE, so 503
// serviceUnavailable; the caller may try again, nothing needs a restart.
absl::Status TokenStoreUnavailable();

// keystonemiddleware's 401 (not a Nova Fault):
// {"error": {"code": 401, "title": "Unauthorized", "message": ...}} with
// `WWW-Authenticate: Keystone uri="<uri>"`.
HttpResponse KeystoneUnauthorized(std::string_view www_authenticate_uri);

// The router's bare 404 for an unrouted path or method (WebOb's
// HTTPNotFound, not a Nova Fault): JSON, HTML or plain text after the
// request's Accept header, as WebOb picks.
HttpResponse WebObNotFound(const HttpRequest& request);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_NOVA_ERROR_H_
