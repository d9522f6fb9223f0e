#include "common/uuid.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace porthole {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsDashPosition(size_t i) {
  return i == 8 || i == 13 || i == 18 || i == 23;
}

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool IsUpperHex(char c) { return c >= 'A' && c <= 'F'; }

template <class IsDigit>
bool HasUuidShape(std::string_view text, IsDigit is_digit) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsDashPosition(i) ? text[i] != '-' : !is_digit(text[i])) return false;
  }
  return true;
}

}  // namespace

std::string NewUuid4() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::fprintf(stderr, "porthole: RAND_bytes failed: %s\n",
                 ERR_error_string(ERR_get_error(), nullptr));
    std::abort();
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // v4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122
  absl::uint128 bits = 0;
  for (unsigned char byte : bytes) bits = (bits << 8) | byte;
  return UuidText(bits);
}

std::optional<absl::uint128> UuidBits(std::string_view text) {
  if (!LooksLikeUuid(text)) return std::nullopt;
  absl::uint128 bits = 0;
  for (char c : text) {
    if (c == '-') continue;
    const int digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    bits = (bits << 4) | static_cast<unsigned>(digit);
  }
  return bits;
}

std::string UuidText(absl::uint128 bits) {
  std::string uuid(36, '-');
  size_t at = 36;
  for (int digit = 0; digit < 32; ++digit) {
    if (IsDashPosition(at - 1)) --at;
    uuid[--at] = kHexDigits[static_cast<uint64_t>(bits) & 0x0f];
    bits >>= 4;
  }
  return uuid;
}

std::string NewRequestId() { return "req-" + NewUuid4(); }

bool LooksLikeUuid(std::string_view text) {
  return HasUuidShape(text,
                      [](char c) { return IsLowerHex(c) || IsUpperHex(c); });
}

bool LooksLikeLowercaseUuid(std::string_view text) {
  return HasUuidShape(text, IsLowerHex);
}

}  // namespace porthole
