#include "controller/api/console_auth_tokens.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/logging.h"
#include "common/text.h"
#include "common/url_encoding.h"
#include "controller/api/nova_error.h"
#include "controller/api/policy.h"
#include "controller/api/request_schema.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller {
namespace {

constexpr ApiVersion kAllTypesMin{2, 31};
constexpr ApiVersion kSpiceDirectMin{2, 99};

// Nova 2.99's query schema: no properties, additionalProperties false.
absl::Status CheckNoQueryParameters(std::string_view query) {
  std::vector<std::string> keys;
  for (const QueryParam& param : ParseQueryString(query)) {
    if (!IsValidUtf8(param.key) || !IsValidUtf8(param.value)) {
      return absl::InvalidArgumentError("Query string is not UTF-8 encoded");
    }
    if (std::find(keys.begin(), keys.end(), param.key) == keys.end()) {
      keys.push_back(param.key);
    }
  }
  if (keys.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(AdditionalPropertiesMessage(keys));
}

}  // namespace

absl::StatusOr<Json> ShowConsoleAuthToken(const RequestContext& context,
                                          std::string_view token,
                                          const ApiServices& services) {
  if (context.version < kAllTypesMin) {
    return absl::InvalidArgumentError(kWebObBadRequestText);
  }
  if (context.version >= kSpiceDirectMin) {
    absl::Status query = CheckNoQueryParameters(context.target.query);
    if (!query.ok()) return query;
  }
  absl::Status allowed =
      Authorize(context, kConsoleAuthTokensPolicy, CallerTarget(context));
  if (!allowed.ok()) return allowed;

  absl::StatusOr<std::optional<ConsoleAuthRecord>> record =
      services.tokens.FindValid(HashConsoleToken(token), services.issuer.Now());
  if (!record.ok()) {
    LogError("api", "token store lookup failed ",
             LogField("request_id", context.request_id), " ",
             LogField("error", record.status().ToString()));
    if (absl::IsUnavailable(record.status())) return TokenStoreUnavailable();
    return absl::InternalError("token store lookup failed");
  }
  if (!record->has_value()) return absl::NotFoundError("Token not found");
  const ConsoleAuthRecord& found = **record;

  Json console;
  console["instance_uuid"] = found.instance_uuid;
  console["host"] = found.host;
  console["port"] = found.port;
  console["internal_access_path"] = found.internal_access_path.has_value()
                                        ? Json(*found.internal_access_path)
                                        : Json(nullptr);
  if (context.version >= kSpiceDirectMin &&
      found.console_type == "spice-direct") {
    console["tls_port"] =
        found.tls_port.has_value() ? Json(*found.tls_port) : Json(nullptr);
  }
  Json body;
  body["console"] = std::move(console);
  return body;
}

}  // namespace porthole::controller
