#include "controller/api/json_body.h"

namespace porthole::controller {

bool ExceedsJsonDepth(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::optional<Json> ParseJsonBody(std::string_view body) {
  if (ExceedsJsonDepth(body, kMaxJsonDepth)) return std::nullopt;
  try {
    Json parsed = Json::parse(body.begin(), body.end(), /*cb=*/nullptr,
                              /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return std::nullopt;
    return parsed;
  } catch (const nlohmann::json::exception&) {
    // allow_exceptions=false covers syntax errors; this is the edge for
    // anything else the library might throw.
    return std::nullopt;
  }
}

std::string DumpJson(const Json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse JsonResponse(const Json& body, int status) {
  HttpResponse response;
  response.status = status;
  response.AddHeader("Content-Type", "application/json");
  response.body = DumpJson(body);
  return response;
}

}  // namespace porthole::controller
