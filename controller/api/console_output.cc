#include "controller/api/console_output.h"

#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controller/api/policy.h"
#include "controller/api/py_repr.h"
#include "controller/api/request_schema.h"
#include "controller/api/server_lookup.h"

namespace porthole::controller {
namespace {

constexpr char kLengthPattern[] = "^-?[0-9]+$";
constexpr int64_t kLengthMinimum = -1;
constexpr int64_t kEveryLine = std::numeric_limits<int64_t>::max();

absl::Status LengthError(const Json& value, std::string_view message) {
  return absl::InvalidArgumentError(
      InvalidFieldMessage("length", value, message));
}

std::string BelowMinimum(const Json& value) {
  return absl::StrCat(PyRepr(value), " is less than the minimum of ",
                      kLengthMinimum);
}

// Python's int() of a string that matched kLengthPattern with re.search:
// '-'?, ASCII digits, and '$' also matches before one final '\n'. nullopt
// when it does not match. Saturates at int64's range.
std::optional<int64_t> ParseLengthString(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (kEveryLine - (c - '0')) / 10) {
      value = kEveryLine;
    } else {
      value = value * 10 + (c - '0');
    }
  }
  return negative ? -value : value;
}

// A validated count: -1 (and nullopt) is every line.
std::optional<int64_t> LineCount(int64_t value) {
  if (value == kLengthMinimum) return std::nullopt;
  return value;
}

}  // namespace

absl::StatusOr<std::optional<int64_t>> ConsoleOutputLength(const Json& body) {
  const Json& action = body.at(kConsoleOutputAction);
  if (!action.is_object()) {
    return absl::InvalidArgumentError(InvalidFieldMessage(
        kConsoleOutputAction, action, NotOfTypeMessage(action, {"object"})));
  }
  std::optional<int64_t> count;
  if (auto it = action.find("length"); it != action.end()) {
    const Json& length = *it;
    if (length.is_number_unsigned()) {
      const uint64_t value = length.get<uint64_t>();
      count = value > static_cast<uint64_t>(kEveryLine)
                  ? kEveryLine
                  : static_cast<int64_t>(value);
    } else if (length.is_number_integer()) {
      const int64_t value = length.get<int64_t>();
      if (value < kLengthMinimum)
        return LengthError(length, BelowMinimum(length));
      count = LineCount(value);
    } else if (length.is_string()) {
      std::optional<int64_t> value =
          ParseLengthString(length.get_ref<const std::string&>());
      if (!value.has_value()) {
        return LengthError(length,
                           absl::StrCat(PyRepr(length), " does not match ",
                                        PyReprString(kLengthPattern)));
      }
      if (*value < kLengthMinimum) {
        return LengthError(length, BelowMinimum(length));
      }
      count = LineCount(*value);
    } else if (!length.is_null()) {
      return LengthError(
          length, NotOfTypeMessage(length, {"integer", "string", "null"}));
    }
  }
  std::vector<std::string> extras;
  for (const auto& [key, value] : action.items()) {
    if (key != "length") extras.push_back(key);
  }
  if (!extras.empty()) {
    return absl::InvalidArgumentError(InvalidFieldMessage(
        kConsoleOutputAction, action, AdditionalPropertiesMessage(extras)));
  }
  if (count == kEveryLine) return std::optional<int64_t>();
  return count;
}

std::string CleanConsoleOutput(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else if (byte > 0x1F || byte == '\t' || byte == '\n') {
      out += c;
    }
  }
  return out;
}

absl::StatusOr<Json> GetConsoleOutput(const RequestContext& context,
                                      const Json& body,
                                      std::string_view server_id,
                                      const ApiServices& services) {
  absl::StatusOr<std::optional<int64_t>> length = ConsoleOutputLength(body);
  if (!length.ok()) return length.status();
  absl::StatusOr<Server> server =
      FindAuthorizedServer(context, server_id, kConsoleOutputPolicy, services);
  if (!server.ok()) return server.status();
  const std::string& uuid = server->domain.uuid();
  if (!server->host_connected) return HostUnreachable(context, *server);

  absl::StatusOr<agent::v1::TailConsoleLogResponse> answer =
      services.servers.TailConsoleLog(*server, *length, context.request_id);
  if (!answer.ok()) {
    LogWarning("api", "TailConsoleLog failed ",
               LogField("request_id", context.request_id), " ",
               LogField("instance", uuid), " ",
               LogField("compute_host", server->host), " ",
               LogField("error", answer.status().ToString()));
    switch (answer.status().code()) {
      case absl::StatusCode::kNotFound:
        return absl::NotFoundError(
            absl::StrCat("Instance ", uuid, " could not be found."));
      case absl::StatusCode::kUnavailable:
      case absl::StatusCode::kDeadlineExceeded:
        return HostUnreachable(context, *server);
      default:
        return absl::InternalError("TailConsoleLog failed");
    }
  }
  if (!answer->console_available()) {
    return absl::NotFoundError("Guest does not have a console available.");
  }
  if (answer->truncated_bytes() > 0) {
    LogInfo(
        "api", "truncated console log returned ",
        LogField("request_id", context.request_id), " ",
        LogField("instance", uuid), " ",
        LogField("bytes_ignored", std::to_string(answer->truncated_bytes())));
  }
  Json response;
  response["output"] = CleanConsoleOutput(answer->output());
  return response;
}

}  // namespace porthole::controller
