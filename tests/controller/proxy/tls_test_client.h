// A client of the native listener for tests: plain bytes on a loopback
// socket, then TLS on the same socket when asked (the proxy's certificate
// checked against a CA). Reads wait at most 5 s (SO_RCVTIMEO), so a proxy
// that says nothing fails the test instead of hanging it.
#ifndef PORTHOLE_TESTS_CONTROLLER_PROXY_TLS_TEST_CLIENT_H_
#define PORTHOLE_TESTS_CONTROLLER_PROXY_TLS_TEST_CLIENT_H_

#include <openssl/ssl.h>

#include <string>

#include "tests/support/raw_socket.h"

namespace porthole::controller {

class TlsTestClient {
 public:
  TlsTestClient(int port, std::string ca);
  virtual ~TlsTestClient();
  TlsTestClient(const TlsTestClient&) = delete;
  TlsTestClient& operator=(const TlsTestClient&) = delete;

  bool connected() const { return connected_; }

  // TLS as a client; true when the proxy's certificate passed the CA check.
  bool StartTls();

  bool Send(const std::string& bytes);
  // Exactly `n` bytes, or what came before a close or the timeout.
  std::string Read(size_t n);
  // Whether the proxy closed the connection within 5 s.
  bool Closed();

 private:
  testing::RawSocket socket_;
  std::string ca_;
  bool connected_ = false;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_TESTS_CONTROLLER_PROXY_TLS_TEST_CLIENT_H_
