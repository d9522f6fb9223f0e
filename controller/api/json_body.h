#ifndef PORTHOLE_CONTROLLER_API_JSON_BODY_H_
#define PORTHOLE_CONTROLLER_API_JSON_BODY_H_

// JSON in and out of the API. Included only by the API's .cc files, so
// nlohmann's templates stay out of every other translation unit.

#include <optional>
#include <string>
#include <string_view>

#include "controller/http/http_message.h"
#include "nlohmann/json.hpp"

namespace porthole::controller {

// Insertion-ordered, so bodies come out in the order Nova writes them and
// "Additional properties" lists keys in the order the client sent them.
using Json = nlohmann::ordered_json;

// Deeper request bodies are refused before any DOM is built.
inline constexpr int kMaxJsonDepth = 32;

// True when `text` nests arrays/objects deeper than `max_depth` (a scan of
// brackets outside strings; it does not validate the JSON).
bool ExceedsJsonDepth(std::string_view text, int max_depth);

// The parsed body, or nullopt when it is not exactly one JSON value (a NUL
// byte anywhere, a byte order mark, or anything but whitespace after the
// value), not UTF-8, or nested deeper than kMaxJsonDepth; Nova answers all
// of these 400 "Malformed request body". Never throws.
std::optional<Json> ParseJsonBody(std::string_view body);

// Compact JSON; invalid UTF-8 in strings (a hostile domain name) becomes
// U+FFFD instead of throwing. The only way the API serializes JSON.
std::string DumpJson(const Json& json);

// 200 (or `status`) with `Content-Type: application/json`.
HttpResponse JsonResponse(const Json& body, int status = 200);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_JSON_BODY_H_
