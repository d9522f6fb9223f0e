#include "controller/tokens/console_token.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "common/uuid.h"

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

std::string NewConsoleToken() { return NewUuid4(); }

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
