#include "controller/api/microversion.h"

#include <strings.h>

#include <climits>
#include <vector>

#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

std::string_view Strip(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// All values of a header, in order, folded with ',' (as the WSGI server
// hands them to Nova). nullopt when the header is absent.
std::optional<std::string> Folded(const HttpHeaders& headers,
                                  std::string_view name) {
  std::optional<std::string> folded;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (folded.has_value()) {
      folded->push_back(',');
      folded->append(Strip(value));
    } else {
      folded = std::string(Strip(value));
    }
  }
  return folded;
}

// Digits only, no leading zero unless `allow_zero` and it is exactly "0".
std::optional<int> ParseNumber(std::string_view digits, bool allow_zero) {
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (digits[0] == '0' && !(allow_zero && digits.size() == 1)) {
    return std::nullopt;
  }
  if (digits.size() > 9) return INT_MAX;  // saturate; out of range anyway
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

std::string ApiVersion::ToString() const {
  return absl::StrCat(major, ".", minor);
}

std::optional<ApiVersion> ParseApiVersion(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<int> major = ParseNumber(text.substr(0, dot), false);
  std::optional<int> minor = ParseNumber(text.substr(dot + 1), true);
  if (!major.has_value() || !minor.has_value()) return std::nullopt;
  return ApiVersion{*major, *minor};
}

std::optional<std::string> RequestedApiVersion(const HttpHeaders& headers) {
  if (std::optional<std::string> standard =
          Folded(headers, "OpenStack-API-Version")) {
    std::string_view rest = *standard;
    // The last `compute` entry wins: walk the comma-separated items backwards.
    while (true) {
      size_t comma = rest.rfind(',');
      std::string_view item = Strip(
          comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      size_t space = 0;
      while (space < item.size() && !IsSpace(item[space])) ++space;
      if (space < item.size()) {
        std::string_view service = item.substr(0, space);
        std::string_view version = Strip(item.substr(space));
        if (EqualsIgnoreCase(service, "compute") && !version.empty()) {
          return std::string(version);
        }
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
  if (std::optional<std::string> legacy =
          Folded(headers, "X-OpenStack-Nova-API-Version")) {
    std::string_view value = *legacy;
    size_t comma = value.rfind(',');
    if (comma != std::string_view::npos) value = value.substr(comma + 1);
    return std::string(Strip(value));
  }
  return std::nullopt;
}

VersionNegotiation NegotiateApiVersion(const HttpHeaders& headers,
                                       ApiVersion max) {
  VersionNegotiation result;
  std::optional<std::string> requested = RequestedApiVersion(headers);
  if (!requested.has_value()) {
    result.version = kMinApiVersion;
  } else if (*requested == "latest") {
    result.version = max;
  } else {
    result.requested = *requested;
    std::optional<ApiVersion> parsed = ParseApiVersion(*requested);
    if (!parsed.has_value()) {
      result.outcome = VersionNegotiation::Outcome::kBadFormat;
      return result;
    }
    result.version = *parsed;
    if (*parsed < kMinApiVersion || *parsed > max) {
      // Nova stores the version on the request before the range check, so
      // the 406 echoes it. It matched the format, so it is digits and a dot.
      result.outcome = VersionNegotiation::Outcome::kNotAcceptable;
      result.echo = *requested;
      return result;
    }
  }
  result.echo = result.version.ToString();
  return result;
}

std::string VersionFormatMessage(std::string_view requested) {
  return absl::StrCat("API Version String ", std::string(requested),
                      " is of invalid format. Must be of format "
                      "MajorNum.MinorNum.");
}

std::string VersionNotSupportedMessage(std::string_view requested,
                                       ApiVersion max) {
  return absl::StrCat("Version ", std::string(requested),
                      " is not supported by the API. Minimum is ",
                      kMinApiVersion.ToString(), " and maximum is ",
                      max.ToString(), ".");
}

void AddVersionHeaders(std::string_view version, HttpResponse& response) {
  response.AddHeader("OpenStack-API-Version",
                     absl::StrCat("compute ", std::string(version)));
  response.AddHeader("X-OpenStack-Nova-API-Version", std::string(version));
  response.AddHeader("Vary", "OpenStack-API-Version");
  response.AddHeader("Vary", "X-OpenStack-Nova-API-Version");
}

}  // namespace porthole::controller
