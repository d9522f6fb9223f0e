// Internal to controller/proxy: the proxy as a TLS client of a console
// (VeNCrypt after the RFB security handshake, SPICE's tls port from byte 0):
// the stream type, the per-session OpenSSL settings (the name check and
// noting QEMU's CertificateRequest) and what a failed handshake says.
#ifndef PORTHOLE_CONTROLLER_PROXY_CONSOLE_TLS_CLIENT_H_
#define PORTHOLE_CONTROLLER_PROXY_CONSOLE_TLS_CLIENT_H_

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "controller/proxy/handshake_deadline.h"
#include "controller/proxy/proxy_runtime.h"

namespace porthole::controller::proxy_internal {

using ConsoleTlsStream = asio::ssl::stream<tcp::socket>;

// How the certificate checks ended, for a failure's cause.
enum class ConsoleCertCheck { kPassed, kUntrusted, kNameMismatch };

inline ConsoleCertCheck CertCheckOf(ConsoleTlsStream& tls) {
  const long verify =  // NOLINT(runtime/int): OpenSSL's type
      SSL_get_verify_result(tls.native_handle());
  if (verify == X509_V_OK) return ConsoleCertCheck::kPassed;
  if (verify == X509_V_ERR_HOSTNAME_MISMATCH ||
      verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return ConsoleCertCheck::kNameMismatch;
  }
  return ConsoleCertCheck::kUntrusted;
}

// The handshake's error with OpenSSL's verify reason when there is one.
inline std::string TlsErrorText(ConsoleTlsStream& tls,
                                const beast::error_code& ec) {
  const long verify =  // NOLINT(runtime/int): OpenSSL's type
      SSL_get_verify_result(tls.native_handle());
  if (verify == X509_V_OK) return ec.message();
  return absl::StrCat(ec.message(), ": ",
                      X509_verify_cert_error_string(verify));
}

// OpenSSL calls this on the client when the server sends a
// CertificateRequest; `arg` is the session's flag.
inline int NoteCertificateRequest(SSL*, void* arg) {
  *static_cast<bool*>(arg) = true;
  return 1;
}

// Prepares a TLS client session to a console: notes a CertificateRequest
// in `*cert_requested` (which must outlive the handshake; clear the
// callback with ForgetCertificateRequest after it), and, with
// `verify_hostname`, SNI and the name check (an address is checked against
// IP SANs).
inline void PrepareConsoleTls(ConsoleTlsStream& tls, bool verify_hostname,
                              const std::string& host, bool* cert_requested) {
  SSL* ssl = tls.native_handle();
  SSL_set_cert_cb(ssl, NoteCertificateRequest, cert_requested);
  if (!verify_hostname) return;
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  } else {
    SSL_set1_host(ssl, host.c_str());
    SSL_set_tlsext_host_name(ssl, host.c_str());
  }
}

inline void ForgetCertificateRequest(ConsoleTlsStream& tls) {
  SSL_set_cert_cb(tls.native_handle(), nullptr, nullptr);
}

// Why a TLS handshake with a console failed: `cause` is the log line's
// `cause=` (the names VncSecurityCauseName uses for the same failures).
struct ConsoleTlsFailure {
  std::string cause;
  std::string detail;
};

// The TLS client handshake on a connected console socket (SPICE's tls port,
// TLS from byte 0), bounded by `timeout`: when it passes, the socket is
// closed and the failure is "timed-out". `tls` must be prepared
// (PrepareConsoleTls) with `*cert_requested`. nullopt on success.
inline asio::awaitable<std::optional<ConsoleTlsFailure>> HandshakeConsoleTls(
    ConsoleTlsStream& tls, absl::Duration timeout, bool has_client_cert,
    const bool& cert_requested) {
  asio::steady_timer timer(tls.get_executor());
  std::shared_ptr<HandshakeDeadline> deadline =
      ArmHandshakeDeadline(timer, timeout, &tls.next_layer());
  beast::error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::client,
                               asio::redirect_error(asio::use_awaitable, ec));
  deadline->Finish();
  timer.cancel();
  ForgetCertificateRequest(tls);
  if (!ec) co_return std::nullopt;
  ConsoleTlsFailure failure;
  failure.detail = TlsErrorText(tls, ec);
  if (deadline->expired) {
    failure.cause = "timed-out";
    failure.detail = "timed out in the TLS handshake";
    co_return failure;
  }
  switch (CertCheckOf(tls)) {
    case ConsoleCertCheck::kUntrusted:
      failure.cause = "server-cert-untrusted";
      break;
    case ConsoleCertCheck::kNameMismatch:
      failure.cause = "server-cert-name-mismatch";
      break;
    case ConsoleCertCheck::kPassed:
      if (cert_requested) {
        failure.cause =
            has_client_cert ? "client-cert-rejected" : "no-client-cert";
      } else {
        failure.cause = "tls-handshake";
      }
      break;
  }
  co_return failure;
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_CONSOLE_TLS_CLIENT_H_
