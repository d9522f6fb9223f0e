#include "controller/net/http_framing.h"

#include <string>

namespace porthole::controller::net {
namespace {

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The elements of comma-separated field values, in order; empty elements
// dropped (RFC 9110 5.6.1).
std::vector<std::string_view> ListElements(
    const std::vector<std::string_view>& values) {
  std::vector<std::string_view> out;
  for (std::string_view value : values) {
    while (!value.empty()) {
      const size_t comma = value.find(',');
      std::string_view item = TrimOws(value.substr(0, comma));
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return out;
}

absl::Status Refuse(std::string_view why) {
  return absl::InvalidArgumentError(std::string(why));
}

}  // namespace

absl::Status CheckRequestFraming(const RequestFraming& framing, BodyRule rule) {
  const bool has_te = !framing.transfer_encoding.empty();
  const bool has_cl = !framing.content_length.empty();
  if (rule == BodyRule::kNoBody) {
    if (has_te) return Refuse("Transfer-Encoding on a request without a body");
    for (std::string_view item : ListElements(framing.content_length)) {
      if (item != "0") return Refuse("a body on a request without one");
    }
    return absl::OkStatus();
  }
  if (!has_te) return absl::OkStatus();
  if (has_cl) return Refuse("Transfer-Encoding with Content-Length");
  if (framing.version < 11) return Refuse("Transfer-Encoding in HTTP/1.0");
  const std::vector<std::string_view> codings =
      ListElements(framing.transfer_encoding);
  if (codings.empty()) return Refuse("empty Transfer-Encoding");
  if (!EqualsIgnoringCase(codings.back(), "chunked")) {
    return Refuse("Transfer-Encoding does not end in chunked");
  }
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (EqualsIgnoringCase(codings[i], "chunked")) {
      return Refuse("chunked applied twice");
    }
  }
  if (codings.size() > 1) {
    return absl::UnimplementedError(
        "transfer codings other than chunked are not supported");
  }
  return absl::OkStatus();
}

int FramingErrorStatus(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnimplemented ? 501 : 400;
}

}  // namespace porthole::controller::net
