#ifndef PORTHOLE_BENCH_PROXY_BENCH_BACKEND_SECURITY_H_
#define PORTHOLE_BENCH_PROXY_BENCH_BACKEND_SECURITY_H_

#include <openssl/ssl.h>
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

namespace porthole::bench {

// One accepted backend connection as the echo backend reads and writes it:
// the TCP socket itself, or a TLS session on it. Blocking; owns the socket.
class BackendStream {
 public:
  virtual ~BackendStream() = default;
  // Up to `n` bytes; <= 0 when the peer closed or on an error.
  virtual ssize_t ReadSome(char* data, size_t n) = 0;
  virtual bool WriteAll(const char* data, size_t n) = 0;
  bool ReadAll(char* data, size_t n);
};

// How the backend secures a connection before it serves commands, standing
// in for a QEMU that a cloud runs with TLS on:
//   kPlain     nothing (a plain VNC server after its handshake: the relay
//              never sees a difference)
//   kVencrypt  QEMU's VNC with tls-creds-x509,verify-peer=on: RFB 3.8 with
//              security type VeNCrypt only, VeNCrypt 0.2 offering X509None,
//              then TLS demanding a client certificate, then SecurityResult
//              OK inside TLS
//   kTls       SPICE's tls-port: TLS from the first byte, client certificate
//              demanded
enum class BackendSecurity { kPlain, kVencrypt, kTls };

// The server side of those handshakes. The certificate files are PEM; the CA
// verifies the relay's client certificate. Thread-safe after construction.
class BackendSecurityContext {
 public:
  // kPlain needs no files; the others throw std::runtime_error when the
  // files do not load.
  BackendSecurityContext(BackendSecurity security, const std::string& cert,
                         const std::string& key, const std::string& ca);
  ~BackendSecurityContext();
  BackendSecurityContext(const BackendSecurityContext&) = delete;
  BackendSecurityContext& operator=(const BackendSecurityContext&) = delete;

  // Runs this security's handshake on the accepted socket `fd` and returns
  // the stream to serve on; null (and `fd` closed) when it fails.
  std::unique_ptr<BackendStream> Secure(int fd) const;

 private:
  BackendSecurity security_;
  SSL_CTX* ctx_ = nullptr;
};

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_BACKEND_SECURITY_H_
