#include "controller/api/request_id.h"

#include <openssl/rand.h>

#include <array>
#include <random>

#include "absl/strings/str_format.h"

namespace porthole::controller {

std::string NewRequestId() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // A request id is not a secret; any randomness will do.
    thread_local std::mt19937_64 fallback{std::random_device{}()};
    for (unsigned char& byte : bytes) {
      byte = static_cast<unsigned char>(fallback());
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  std::string hex;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex.push_back('-');
    absl::StrAppendFormat(&hex, "%02x", bytes[i]);
  }
  return "req-" + hex;
}

}  // namespace porthole::controller
