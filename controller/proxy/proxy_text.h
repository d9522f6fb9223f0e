// Internal to controller/proxy: small std::string_view helpers. Debian's
// abseil has its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// so absl's splitting and trimming do not take std::string_view.
#ifndef PORTHOLE_CONTROLLER_PROXY_PROXY_TEXT_H_
#define PORTHOLE_CONTROLLER_PROXY_PROXY_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace porthole::controller::proxy_text {

inline std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

inline std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace porthole::controller::proxy_text

#endif  // PORTHOLE_CONTROLLER_PROXY_PROXY_TEXT_H_
