#include "tests/controller/proxy/tls_test_client.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace porthole::controller {

TlsTestClient::TlsTestClient(int port, std::string ca) : ca_(std::move(ca)) {
  connected_ = socket_.Connect(port);
  timeval tv{5, 0};
  setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

TlsTestClient::~TlsTestClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

bool TlsTestClient::StartTls() {
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx_, ca_.c_str(), nullptr);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, socket_.fd());
  return SSL_connect(ssl_) == 1;
}

bool TlsTestClient::Send(const std::string& bytes) {
  if (ssl_ == nullptr) return socket_.Send(bytes);
  return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
         static_cast<int>(bytes.size());
}

std::string TlsTestClient::Read(size_t n) {
  std::string out;
  char buffer[4096];
  while (out.size() < n) {
    const int want = static_cast<int>(std::min(n - out.size(), sizeof buffer));
    const int got = ssl_ != nullptr
                        ? SSL_read(ssl_, buffer, want)
                        : static_cast<int>(recv(socket_.fd(), buffer, want, 0));
    if (got <= 0) break;
    out.append(buffer, static_cast<size_t>(got));
  }
  return out;
}

bool TlsTestClient::Closed() {
  char byte;
  const int got = ssl_ != nullptr
                      ? SSL_read(ssl_, &byte, 1)
                      : static_cast<int>(recv(socket_.fd(), &byte, 1, 0));
  return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace porthole::controller
