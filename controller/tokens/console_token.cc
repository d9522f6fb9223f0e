#include "controller/tokens/console_token.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace porthole::controller {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

[[noreturn]] void DieWithOpenSslError(const char* what) {
  // Written straight to stderr: this may run before logging is set up, and
  // the process must not go on issuing tokens.
  std::fprintf(stderr, "porthole: %s failed: %s; aborting\n", what,
               ERR_reason_error_string(ERR_get_error()));
  std::abort();
}

void AppendHex(const unsigned char* bytes, size_t count, std::string* out) {
  for (size_t i = 0; i < count; ++i) {
    out->push_back(kHexDigits[bytes[i] >> 4]);
    out->push_back(kHexDigits[bytes[i] & 0x0f]);
  }
}

}  // namespace

std::string NewConsoleToken() {
  std::array<unsigned char, 16> bytes;
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    DieWithOpenSslError("RAND_bytes");
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80;  // variant 10xx (RFC 4122)
  std::string token;
  token.reserve(36);
  AppendHex(&bytes[0], 4, &token);
  token.push_back('-');
  AppendHex(&bytes[4], 2, &token);
  token.push_back('-');
  AppendHex(&bytes[6], 2, &token);
  token.push_back('-');
  AppendHex(&bytes[8], 2, &token);
  token.push_back('-');
  AppendHex(&bytes[10], 6, &token);
  return token;
}

std::string HashConsoleToken(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    DieWithOpenSslError("EVP_Digest(SHA-256)");
  }
  std::string hex;
  hex.reserve(size_t{2} * length);
  AppendHex(digest, length, &hex);
  return hex;
}

bool LooksLikeConsoleToken(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !IsLowerHex(text[i])) return false;
  }
  return true;
}

bool LooksLikeTokenHash(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!IsLowerHex(c)) return false;
  }
  return true;
}

}  // namespace porthole::controller
