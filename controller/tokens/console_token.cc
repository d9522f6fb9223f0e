#include "controller/tokens/console_token.h"

#include <cstdint>

#include "common/sha256.h"
#include "common/uuid.h"

namespace porthole::controller {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

void AppendHex(const unsigned char* bytes, size_t count, std::string* out) {
  for (size_t i = 0; i < count; ++i) {
    out->push_back(kHexDigits[bytes[i] >> 4]);
    out->push_back(kHexDigits[bytes[i] & 0x0f]);
  }
}

}  // namespace

std::string NewConsoleToken() { return NewUuid4(); }

std::string HashConsoleToken(std::string_view token) {
  const Sha256Digest digest = Sha256(token);
  std::string hex;
  hex.reserve(size_t{2} * digest.size());
  AppendHex(digest.data(), digest.size(), &hex);
  return hex;
}

bool LooksLikeConsoleToken(std::string_view text) {
  return LooksLikeLowercaseUuid(text);
}

bool LooksLikeTokenHash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

}  // namespace porthole::controller
