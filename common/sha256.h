#ifndef PORTHOLE_COMMON_SHA256_H_
#define PORTHOLE_COMMON_SHA256_H_

#include <array>
#include <string_view>

namespace porthole {

// SHA-256 of `data` (OpenSSL). The one digest Porthole keeps of secrets it
// must recognise but never store: API tokens, Keystone tokens in the
// validation cache. Pure; thread-safe.
using Sha256Digest = std::array<unsigned char, 32>;
Sha256Digest Sha256(std::string_view data);

}  // namespace porthole

#endif  // PORTHOLE_COMMON_SHA256_H_
