#ifndef PORTHOLE_CONTROLLER_API_MICROVERSION_H_
#define PORTHOLE_CONTROLLER_API_MICROVERSION_H_

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "controller/http/http_message.h"

namespace porthole::controller {

// A compute API microversion, "2.6". Ordered as Nova orders them.
struct ApiVersion {
  int major = 2;
  int minor = 1;

  auto operator<=>(const ApiVersion&) const = default;
  std::string ToString() const;
};

inline constexpr ApiVersion kMinApiVersion{2, 1};
inline constexpr ApiVersion kMaxApiVersion{2, 104};

// Nova's format: ^([1-9]\d*)\.([1-9]\d*|0)$. nullopt when `text` does not
// match. Numbers too large for an int saturate (they are out of range
// anyway, and the original text is what gets echoed).
std::optional<ApiVersion> ParseApiVersion(std::string_view text);

// The version text a request asks for (spec section 2.1), or nullopt when
// it asks for none: the last `compute <v>` entry of OpenStack-API-Version
// (all its header lines folded with ','; service name case-insensitive),
// else the last comma-separated value of X-OpenStack-Nova-API-Version. The
// standard header wins when both name a version.
std::optional<std::string> RequestedApiVersion(const HttpHeaders& headers);

// The outcome of negotiation, section 2.1:
//   kOk: `version` is what the request runs at (2.1 when nothing was asked,
//        `max` for "latest").
//   kBadFormat: 400, and the response carries no version headers.
//   kNotAcceptable: 406; the headers echo `echo` (the requested version).
struct VersionNegotiation {
  enum class Outcome { kOk, kBadFormat, kNotAcceptable };
  Outcome outcome = Outcome::kOk;
  ApiVersion version = kMinApiVersion;
  std::string echo;       // the value for the response headers ("2.6")
  std::string requested;  // the text as sent, for the error message
};
VersionNegotiation NegotiateApiVersion(const HttpHeaders& headers,
                                       ApiVersion max);

// "API Version String <v> is of invalid format. Must be of format
// MajorNum.MinorNum." and "Version <v> is not supported by the API. Minimum
// is 2.1 and maximum is <max>."
std::string VersionFormatMessage(std::string_view requested);
std::string VersionNotSupportedMessage(std::string_view requested,
                                       ApiVersion max);

// Adds the four headers of section 2.2 to a v2.1 response:
// OpenStack-API-Version, X-OpenStack-Nova-API-Version and two Vary lines.
void AddVersionHeaders(std::string_view version, HttpResponse& response);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_MICROVERSION_H_
