#ifndef PORTHOLE_COMMON_TEXT_H_
#define PORTHOLE_COMMON_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"

namespace porthole {

// Small text functions every part of Porthole uses, on std::string_view.
// Debian's abseil has its own absl::string_view (ABSL_OPTION_USE_STD_STRING_
// VIEW is 0), so absl's helpers do not take std::string_view: these do, and
// ToAbsl/ToStd bridge the two where an absl call is still the right tool.
// All functions are pure and thread-safe.

// Without leading and trailing ASCII whitespace (space, \t, \r, \n, \f, \v).
std::string_view Trim(std::string_view text);

// The pieces between `separator`s, empty ones included ("a,,b" -> a, "", b;
// "" -> one empty piece). Views into `text`.
std::vector<std::string_view> Split(std::string_view text, char separator);

// ASCII letters lowered; every other byte kept.
std::string AsciiLower(std::string_view text);

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF, no truncated sequence. NUL is valid UTF-8: check it apart where
// it matters.
bool IsValidUtf8(std::string_view text);

// The length (1 to 4) of the well-formed UTF-8 sequence that starts at
// text[i], or 0 when none does (i < text.size()).
size_t Utf8SequenceLength(std::string_view text, size_t i);

inline absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}
inline std::string_view ToStd(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

}  // namespace porthole

#endif  // PORTHOLE_COMMON_TEXT_H_
