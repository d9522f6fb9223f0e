#include "controller/proxy/spice_ticket.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/status/status.h"

namespace porthole::controller {
namespace {

constexpr size_t kKeyBits = 1024;

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// A context for `key` set up for RSA-OAEP (SHA-1, OpenSSL's default).
PkeyCtx OaepContext(EVP_PKEY* key, bool encrypt) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx) return nullptr;
  const int init = encrypt ? EVP_PKEY_encrypt_init(ctx.get())
                           : EVP_PKEY_decrypt_init(ctx.get());
  if (init <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0) {
    return nullptr;
  }
  return ctx;
}

}  // namespace

struct SpiceTicketKey::Pkey {
  explicit Pkey(EVP_PKEY* k) : key(k) {}
  ~Pkey() { EVP_PKEY_free(key); }
  EVP_PKEY* key;
};

SpiceTicketKey::SpiceTicketKey(std::unique_ptr<Pkey> key,
                               std::string public_key)
    : key_(std::move(key)), public_key_(std::move(public_key)) {}

SpiceTicketKey::~SpiceTicketKey() = default;

absl::StatusOr<std::unique_ptr<SpiceTicketKey>> SpiceTicketKey::Generate() {
  auto key = std::make_unique<Pkey>(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", kKeyBits));
  if (key->key == nullptr) {
    return absl::InternalError("cannot generate the SPICE ticket key");
  }
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key->key, &der);
  if (n <= 0) return absl::InternalError("cannot encode the SPICE ticket key");
  std::string public_key(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return std::unique_ptr<SpiceTicketKey>(
      new SpiceTicketKey(std::move(key), std::move(public_key)));
}

absl::StatusOr<std::string> SpiceTicketKey::Decrypt(
    std::string_view ticket) const {
  PkeyCtx ctx = OaepContext(key_->key, /*encrypt=*/false);
  std::string out(kKeyBits / 8, '\0');
  size_t n = out.size();
  if (!ctx || EVP_PKEY_decrypt(
                  ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                  reinterpret_cast<const unsigned char*>(ticket.data()),
                  ticket.size()) <= 0) {
    return absl::InvalidArgumentError("the SPICE ticket does not decrypt");
  }
  out.resize(n);
  if (const size_t nul = out.find('\0'); nul != std::string::npos) {
    out.resize(nul);
  }
  return out;
}

absl::StatusOr<std::string> EncryptSpiceTicket(std::string_view public_key,
                                               std::string_view password) {
  const auto* p = reinterpret_cast<const unsigned char*>(public_key.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(public_key.size()));
  if (key == nullptr) {
    return absl::InvalidArgumentError("the console's SPICE key is not RSA DER");
  }
  std::string plain(password);
  plain.push_back('\0');
  PkeyCtx ctx = OaepContext(key, /*encrypt=*/true);
  std::string out(static_cast<size_t>(EVP_PKEY_get_size(key)), '\0');
  size_t n = out.size();
  const bool ok =
      ctx &&
      EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()),
                       &n, reinterpret_cast<const unsigned char*>(plain.data()),
                       plain.size()) > 0;
  ctx.reset();
  EVP_PKEY_free(key);
  if (!ok) return absl::InvalidArgumentError("cannot encrypt the SPICE ticket");
  out.resize(n);
  return out;
}

}  // namespace porthole::controller
