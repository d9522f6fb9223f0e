#include "bench/proxy_bench/backend_security.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "bench/proxy_bench/socket_io.h"

namespace porthole::bench {
namespace {

constexpr uint8_t kSecurityTypeVencrypt = 19;
constexpr uint32_t kVencryptX509None = 260;

class PlainStream : public BackendStream {
 public:
  explicit PlainStream(int fd) : fd_(fd) {}
  ~PlainStream() override { close(fd_); }
  ssize_t ReadSome(char* data, size_t n) override {
    return recv(fd_, data, n, 0);
  }
  bool WriteAll(const char* data, size_t n) override {
    return SendAll(fd_, data, n);
  }

 private:
  int fd_;
};

class TlsStream : public BackendStream {
 public:
  TlsStream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~TlsStream() override {
    SSL_free(ssl_);
    close(fd_);
  }
  ssize_t ReadSome(char* data, size_t n) override {
    size_t got = 0;
    return SSL_read_ex(ssl_, data, n, &got) == 1 ? static_cast<ssize_t>(got)
                                                 : -1;
  }
  bool WriteAll(const char* data, size_t n) override {
    size_t written = 0;
    return n == 0 ||
           (SSL_write_ex(ssl_, data, n, &written) == 1 && written == n);
  }

 private:
  int fd_;
  SSL* ssl_;
};

// RFB 3.8 up to the TLS handshake, as QEMU with x509 credentials and no
// password runs it (shared/notes/vencrypt.md).
bool VencryptPreamble(int fd) {
  char version[12];
  const uint8_t types[] = {1, kSecurityTypeVencrypt};
  uint8_t chosen = 0;
  uint8_t client_version[2];
  const uint8_t subtypes_head[] = {0, 2, 0, 1};  // 0.2, ok, one subtype
  uint32_t subtype = htonl(kVencryptX509None);
  uint32_t picked = 0;
  const uint8_t accepted = 1;
  return SendAll(fd, "RFB 003.008\n", 12) && RecvAll(fd, version, 12) &&
         SendAll(fd, reinterpret_cast<const char*>(types), 2) &&
         RecvAll(fd, reinterpret_cast<char*>(&chosen), 1) &&
         chosen == kSecurityTypeVencrypt &&
         SendAll(fd, reinterpret_cast<const char*>(subtypes_head), 2) &&
         RecvAll(fd, reinterpret_cast<char*>(client_version), 2) &&
         client_version[0] == 0 && client_version[1] == 2 &&
         SendAll(fd, reinterpret_cast<const char*>(subtypes_head + 2), 2) &&
         SendAll(fd, reinterpret_cast<const char*>(&subtype), 4) &&
         RecvAll(fd, reinterpret_cast<char*>(&picked), 4) &&
         ntohl(picked) == kVencryptX509None &&
         SendAll(fd, reinterpret_cast<const char*>(&accepted), 1);
}

}  // namespace

bool BackendStream::ReadAll(char* data, size_t n) {
  while (n > 0) {
    ssize_t r = ReadSome(data, n);
    if (r <= 0) return false;
    data += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

BackendSecurityContext::BackendSecurityContext(BackendSecurity security,
                                               const std::string& cert,
                                               const std::string& key,
                                               const std::string& ca)
    : security_(security) {
  if (security_ == BackendSecurity::kPlain) return;
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr ||
      SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr) != 1) {
    SSL_CTX_free(ctx_);
    throw std::runtime_error("backend TLS: cannot load " + cert + ", " + key +
                             " or " + ca);
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
}

BackendSecurityContext::~BackendSecurityContext() { SSL_CTX_free(ctx_); }

std::unique_ptr<BackendStream> BackendSecurityContext::Secure(int fd) const {
  if (security_ == BackendSecurity::kPlain) {
    return std::make_unique<PlainStream>(fd);
  }
  if (security_ == BackendSecurity::kVencrypt && !VencryptPreamble(fd)) {
    close(fd);
    return nullptr;
  }
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    close(fd);
    return nullptr;
  }
  auto stream = std::make_unique<TlsStream>(fd, ssl);
  SSL_set_fd(ssl, fd);
  if (SSL_accept(ssl) != 1) return nullptr;
  // VeNCrypt: the SecurityResult (OK) is the first message inside TLS.
  const char ok[4] = {0, 0, 0, 0};
  if (security_ == BackendSecurity::kVencrypt && !stream->WriteAll(ok, 4)) {
    return nullptr;
  }
  return stream;
}

}  // namespace porthole::bench
