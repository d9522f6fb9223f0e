#ifndef PORTHOLE_CONTROLLER_PROXY_RFB_SECURITY_HANDSHAKE_H_
#define PORTHOLE_CONTROLLER_PROXY_RFB_SECURITY_HANDSHAKE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controller/proxy/proxy_options.h"

namespace porthole::controller {

// Why an RFB security handshake failed: the `cause=` of its log line.
enum class VncSecurityCause {
  kNone,
  kServerIo,                // QEMU closed, reset or timed out mid-handshake
  kServerVersion,           // QEMU does not speak RFB 3.8
  kServerRefused,           // QEMU said no: no security types, a refused
                            // VeNCrypt subtype, a failed SecurityResult
  kNoCommonType,            // none of QEMU's security types is in auth_schemes
  kVencryptVersion,         // not VeNCrypt 0.2
  kVencryptSubtype,         // X509None (260) not among QEMU's subtypes
  kServerCertUntrusted,     // TLS: QEMU's certificate fails the CA check
  kServerCertNameMismatch,  // TLS: ... or vencrypt_verify_hostname
  kNoClientCert,            // QEMU asked for a client certificate, none is set
  kClientCertRejected,      // QEMU asked for one and dropped the session
  kTlsHandshake,            // any other TLS failure
  kClientVersion,           // the browser does not speak RFB 3.8
  kClientSecurityType,      // the browser did not pick None
  kClientIo,                // the browser closed or stayed silent
  kProtocol,                // a byte that RFB or VeNCrypt does not allow
};

// "server-io", "vencrypt-subtype", "no-client-cert", ...
const char* VncSecurityCauseName(VncSecurityCause cause);

// The RFB security handshake Porthole's noVNC proxy runs between a browser
// and QEMU when `[vnc] auth_schemes` has vencrypt: the browser sees RFB 3.8
// with the one security type None, QEMU gets the first of its own security
// types that auth_schemes allows (None, or VeNCrypt 0.2 with the X509None
// subtype, then TLS), and QEMU's SecurityResult, read through TLS, reaches
// the browser unchanged. Pure (no sockets, no OpenSSL): the caller feeds it
// the bytes each side sent and does what state() says:
//
//   kReadServer  read at most server_wanted() bytes from QEMU, FeedServer
//                (never more: after the VeNCrypt ack the socket is TLS)
//   kReadClient  read a WebSocket message from the browser, FeedClient
//   kStartTls    start TLS as a client on QEMU's socket, then TlsStarted
//                or TlsFailed
//   kRelay       relay; first send QEMU TakeClientSurplus()
//   kFailed      send what is queued, close both; cause() and detail()
//                for the log
//
// and, after every call, sends TakeToServer() to QEMU and each string of
// TakeToClient() to the browser as one binary frame, in that order. A read
// or write error on either side is ServerFailed/ClientFailed. Every failure
// queues for the browser the RFB failure its state of the protocol expects
// (security types with n = 0 before its security choice, a failed
// SecurityResult after it), with a readable reason, unless the browser is
// the side that failed. Lengths QEMU announces are capped, so memory stays
// bounded; time is the caller's (its handshake timeout). Not thread-safe.
class RfbSecurityHandshake {
 public:
  enum class State { kReadServer, kReadClient, kStartTls, kRelay, kFailed };

  // How the TLS handshake failed, as far as the certificate checks tell.
  enum class TlsError { kOther, kCertUntrusted, kNameMismatch };

  // The reason a browser gets for every failure on QEMU's side that is not
  // QEMU's own words (the text Nova's users know).
  static constexpr char kNegotiationFailed[] =
      "Unable to negotiate security with server";
  // QEMU's reasons longer than this are replaced by a fixed text.
  static constexpr uint32_t kMaxReasonBytes = 256;

  // Uses `options.auth_schemes`, and whether a client certificate is set
  // (only to name the cause when QEMU drops the session after TLS).
  explicit RfbSecurityHandshake(const VncSecurityOptions& options);

  State state() const { return state_; }
  size_t server_wanted() const;

  void FeedServer(std::string_view bytes);
  void FeedClient(std::string_view bytes);
  void ServerFailed(std::string_view why);
  void ClientFailed(std::string_view why);

  // After kStartTls. `cert_requested`: QEMU asked for a client certificate.
  void TlsStarted(bool cert_requested);
  void TlsFailed(TlsError error, bool cert_requested, std::string_view why);

  std::string TakeToServer();
  std::vector<std::string> TakeToClient();
  // Browser bytes read beyond what the handshake consumed (kRelay).
  std::string TakeClientSurplus();

  VncSecurityCause cause() const { return cause_; }
  const std::string& detail() const { return detail_; }
  // The security type used with QEMU (1, 19), 0 before the choice.
  int server_type() const { return server_type_; }

 private:
  // Each step waits for `need` bytes from one side.
  enum class Step {
    kServerVersion,
    kClientVersion,
    kTypeCount,
    kRefusalLength,
    kRefusalReason,
    kTypes,
    kClientChoice,
    kVencryptVersion,
    kVencryptAck,
    kSubtypeCount,
    kSubtypes,
    kSubtypeAck,
    kTls,
    kResult,
    kResultLength,
    kResultReason,
    kDone,
  };
  // What the browser expects next, which decides how a failure reaches it.
  enum class ClientPhase { kVersion, kSecurityTypes, kSecurityResult, kNone };

  bool IsServerStep() const;
  // The browser picked `client_type`: QEMU gets the first of its types
  // that auth_schemes allows.
  bool Choose(uint8_t client_type);
  void Advance();
  // One step with its `need` bytes available in `in`; false to stop.
  bool Run(std::string_view in);
  void Expect(Step step, size_t need);
  // QEMU announced a reason `length` (u32) long: wait for it in `next`,
  // unless it is longer than kMaxReasonBytes (then fail, `what` logged).
  bool ExpectReason(std::string_view length, Step next, std::string_view what);
  void SendClient(std::string bytes);
  void Fail(VncSecurityCause cause, std::string detail,
            std::string_view client_reason);

  bool allow_none_;
  bool allow_vencrypt_;
  bool has_client_cert_;
  State state_ = State::kReadServer;
  Step step_ = Step::kServerVersion;
  size_t need_ = 12;
  ClientPhase client_phase_ = ClientPhase::kVersion;
  std::string server_in_;
  std::string client_in_;
  std::string to_server_;
  std::vector<std::string> to_client_;
  std::string server_types_;  // QEMU's security types
  std::string result_;        // QEMU's SecurityResult so far
  bool cert_requested_ = false;
  int server_type_ = 0;
  VncSecurityCause cause_ = VncSecurityCause::kNone;
  std::string detail_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_RFB_SECURITY_HANDSHAKE_H_
