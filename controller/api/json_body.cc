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
  // nlohmann's lexer takes a NUL byte for the end of the input, so
  // `{...}\0anything` would parse as `{...}`. JSON text never holds a raw
  // NUL (inside a string it must be escaped), and Python's json, which Nova
  // uses, refuses it wherever it is.
  if (body.find('\0') != std::string_view::npos) return std::nullopt;
  // nlohmann skips a UTF-8 byte order mark; Python's json refuses one.
  if (body.starts_with("\xEF\xBB\xBF")) return std::nullopt;
  if (ExceedsJsonDepth(body, kMaxJsonDepth)) return std::nullopt;
  try {
    // Strict: anything after the value but JSON whitespace (space, tab,
    // CR, LF, as in Python) makes the body invalid.
    Json parsed =
        Json::parse(body.begin(), body.end(), /*cb=*/nullptr,
                    /*allow_exceptions=*/false, /*ignore_comments=*/false);
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
