#include "common/sha256.h"

#include <openssl/sha.h>

namespace porthole {

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest.data());
  return digest;
}

}  // namespace porthole
