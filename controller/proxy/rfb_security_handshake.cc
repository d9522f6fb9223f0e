#include "controller/proxy/rfb_security_handshake.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text.h"

namespace porthole::controller {
namespace {

constexpr std::string_view kRfb38 = "RFB 003.008\n";
constexpr uint8_t kTypeNone = 1;
constexpr uint8_t kTypeVencrypt = 19;
constexpr uint32_t kX509None = 260;
// Browser reasons of Porthole's own.
constexpr char kClientNot38[] = "Porthole's console proxy speaks RFB 3.8 only";
constexpr char kClientNotNone[] =
    "The console proxy offers only the security type None (1)";
constexpr char kServerRefusedFixed[] = "The console refused the connection";

uint32_t ReadU32(std::string_view in) {
  return (uint32_t{static_cast<uint8_t>(in[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(in[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(in[2])} << 8) |
         uint32_t{static_cast<uint8_t>(in[3])};
}

std::string U32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string Escaped(std::string_view bytes) {
  return absl::StrCat("\"", absl::CHexEscape(ToAbsl(bytes)), "\"");
}

std::string TypeName(uint8_t type) {
  switch (type) {
    case 1:
      return "None (1)";
    case 2:
      return "VNC (2)";
    case 19:
      return "VeNCrypt (19)";
    default:
      return absl::StrCat("type ", type);
  }
}

std::string SubtypeName(uint32_t subtype) {
  static constexpr const char* kNames[] = {"Plain",     "TLSNone",  "TLSVNC",
                                           "TLSPlain",  "X509None", "X509VNC",
                                           "X509Plain", "X509SASL", "TLSSASL"};
  if (subtype >= 256 && subtype <= 264) {
    return absl::StrCat(kNames[subtype - 256], " (", subtype, ")");
  }
  return absl::StrCat("subtype ", subtype);
}

}  // namespace

const char* VncSecurityCauseName(VncSecurityCause cause) {
  switch (cause) {
    case VncSecurityCause::kNone:
      return "none";
    case VncSecurityCause::kServerIo:
      return "server-io";
    case VncSecurityCause::kServerVersion:
      return "server-version";
    case VncSecurityCause::kServerRefused:
      return "server-refused";
    case VncSecurityCause::kNoCommonType:
      return "no-common-security-type";
    case VncSecurityCause::kVencryptVersion:
      return "vencrypt-version";
    case VncSecurityCause::kVencryptSubtype:
      return "vencrypt-subtype";
    case VncSecurityCause::kServerCertUntrusted:
      return "server-cert-untrusted";
    case VncSecurityCause::kServerCertNameMismatch:
      return "server-cert-name-mismatch";
    case VncSecurityCause::kNoClientCert:
      return "no-client-cert";
    case VncSecurityCause::kClientCertRejected:
      return "client-cert-rejected";
    case VncSecurityCause::kTlsHandshake:
      return "tls-handshake";
    case VncSecurityCause::kClientVersion:
      return "client-version";
    case VncSecurityCause::kClientSecurityType:
      return "client-security-type";
    case VncSecurityCause::kClientIo:
      return "client-io";
    case VncSecurityCause::kProtocol:
      return "protocol";
  }
  return "?";
}

RfbSecurityHandshake::RfbSecurityHandshake(const VncSecurityOptions& options)
    : allow_none_(options.Allows(VncAuthScheme::kNone)),
      allow_vencrypt_(options.vencrypt()),
      has_client_cert_(!options.client_cert.empty()) {}

size_t RfbSecurityHandshake::server_wanted() const {
  if (state_ != State::kReadServer) return 0;
  return need_ > server_in_.size() ? need_ - server_in_.size() : 0;
}

void RfbSecurityHandshake::FeedServer(std::string_view bytes) {
  if (state_ == State::kRelay || state_ == State::kFailed) return;
  if (state_ == State::kStartTls) {
    Fail(VncSecurityCause::kProtocol,
         "QEMU sent bytes in the clear after accepting X509None",
         kNegotiationFailed);
    return;
  }
  server_in_.append(bytes);
  Advance();
}

void RfbSecurityHandshake::FeedClient(std::string_view bytes) {
  if (state_ == State::kFailed) return;
  client_in_.append(bytes);
  if (state_ == State::kReadClient || state_ == State::kReadServer) Advance();
}

void RfbSecurityHandshake::ServerFailed(std::string_view why) {
  if (state_ == State::kRelay || state_ == State::kFailed) return;
  // QEMU checks the client certificate only once TLS is up (and TLS 1.3
  // completes the client's handshake before the server has looked at it):
  // a session dropped before the first SecurityResult byte is the verdict.
  if (step_ == Step::kResult && server_in_.empty() &&
      server_type_ == kTypeVencrypt && cert_requested_) {
    if (has_client_cert_) {
      Fail(VncSecurityCause::kClientCertRejected,
           absl::StrCat("QEMU asked for a client certificate and closed the "
                        "TLS session after ours (not signed by a CA it "
                        "trusts?): ",
                        std::string(why)),
           kNegotiationFailed);
    } else {
      Fail(VncSecurityCause::kNoClientCert,
           absl::StrCat("QEMU asked for a client certificate and closed the "
                        "TLS session; [vnc] vencrypt_client_cert is not set: ",
                        std::string(why)),
           kNegotiationFailed);
    }
    return;
  }
  Fail(VncSecurityCause::kServerIo, std::string(why), kNegotiationFailed);
}

void RfbSecurityHandshake::ClientFailed(std::string_view why) {
  if (state_ == State::kRelay || state_ == State::kFailed) return;
  client_phase_ = ClientPhase::kNone;  // nobody to tell
  Fail(VncSecurityCause::kClientIo, std::string(why), "");
}

void RfbSecurityHandshake::TlsStarted(bool cert_requested) {
  if (state_ != State::kStartTls) return;
  cert_requested_ = cert_requested;
  state_ = State::kReadServer;
  Expect(Step::kResult, 4);
}

void RfbSecurityHandshake::TlsFailed(TlsError error, bool cert_requested,
                                     std::string_view why) {
  if (state_ != State::kStartTls) return;
  const std::string what(why);
  switch (error) {
    case TlsError::kCertUntrusted:
      Fail(VncSecurityCause::kServerCertUntrusted,
           absl::StrCat("QEMU's certificate fails [vnc] vencrypt_ca_certs: ",
                        what),
           kNegotiationFailed);
      return;
    case TlsError::kNameMismatch:
      Fail(VncSecurityCause::kServerCertNameMismatch,
           absl::StrCat("QEMU's certificate does not name the console host: ",
                        what),
           kNegotiationFailed);
      return;
    case TlsError::kOther:
      break;
  }
  if (cert_requested && !has_client_cert_) {
    Fail(VncSecurityCause::kNoClientCert,
         absl::StrCat("QEMU asked for a client certificate; [vnc] "
                      "vencrypt_client_cert is not set: ",
                      what),
         kNegotiationFailed);
    return;
  }
  Fail(VncSecurityCause::kTlsHandshake, what, kNegotiationFailed);
}

std::string RfbSecurityHandshake::TakeToServer() {
  return std::exchange(to_server_, std::string());
}

std::vector<std::string> RfbSecurityHandshake::TakeToClient() {
  return std::exchange(to_client_, std::vector<std::string>());
}

std::string RfbSecurityHandshake::TakeClientSurplus() {
  if (state_ != State::kRelay) return "";
  return std::exchange(client_in_, std::string());
}

bool RfbSecurityHandshake::IsServerStep() const {
  return step_ != Step::kClientVersion && step_ != Step::kClientChoice;
}

void RfbSecurityHandshake::Expect(Step step, size_t need) {
  step_ = step;
  need_ = need;
  state_ = IsServerStep() ? State::kReadServer : State::kReadClient;
}

void RfbSecurityHandshake::Advance() {
  while (state_ == State::kReadServer || state_ == State::kReadClient) {
    std::string& in = state_ == State::kReadServer ? server_in_ : client_in_;
    if (in.size() < need_) return;
    const std::string chunk = in.substr(0, need_);
    in.erase(0, need_);
    if (!Run(chunk)) return;
  }
}

void RfbSecurityHandshake::SendClient(std::string bytes) {
  to_client_.push_back(std::move(bytes));
}

void RfbSecurityHandshake::Fail(VncSecurityCause cause, std::string detail,
                                std::string_view client_reason) {
  const std::string reason =
      absl::StrCat(U32(static_cast<uint32_t>(client_reason.size())),
                   std::string(client_reason));
  switch (client_phase_) {
    case ClientPhase::kVersion:
      // Nothing sent yet: a version, then no security types and why.
      SendClient(std::string(kRfb38));
      SendClient(absl::StrCat(std::string(1, '\0'), reason));
      break;
    case ClientPhase::kSecurityTypes:
      SendClient(absl::StrCat(std::string(1, '\0'), reason));
      break;
    case ClientPhase::kSecurityResult:
      SendClient(absl::StrCat(U32(1), reason));
      break;
    case ClientPhase::kNone:
      break;
  }
  client_phase_ = ClientPhase::kNone;
  cause_ = cause;
  detail_ = std::move(detail);
  state_ = State::kFailed;
  step_ = Step::kDone;
}

bool RfbSecurityHandshake::Run(std::string_view in) {
  switch (step_) {
    case Step::kServerVersion:
      if (in != kRfb38) {
        Fail(VncSecurityCause::kServerVersion,
             absl::StrCat("QEMU's version is ", Escaped(in), ", not RFB 3.8"),
             kNegotiationFailed);
        return false;
      }
      to_server_.append(in);
      SendClient(std::string(in));
      client_phase_ = ClientPhase::kSecurityTypes;
      Expect(Step::kClientVersion, kRfb38.size());
      return true;
    case Step::kClientVersion:
      if (in != kRfb38) {
        Fail(VncSecurityCause::kClientVersion,
             absl::StrCat("the browser's version is ", Escaped(in),
                          ", not RFB 3.8"),
             kClientNot38);
        return false;
      }
      Expect(Step::kTypeCount, 1);
      return true;
    case Step::kTypeCount:
      if (in[0] == 0) {
        Expect(Step::kRefusalLength, 4);
      } else {
        Expect(Step::kTypes, static_cast<uint8_t>(in[0]));
      }
      return true;
    case Step::kRefusalLength:
      return ExpectReason(in, Step::kRefusalReason,
                          "QEMU offers no security type");
    case Step::kRefusalReason:
      Fail(VncSecurityCause::kServerRefused,
           absl::StrCat("QEMU offers no security type: ", Escaped(in)),
           in.empty() ? std::string_view(kServerRefusedFixed) : in);
      return false;
    case Step::kTypes:
      server_types_.assign(in);
      SendClient(std::string{'\x01', static_cast<char>(kTypeNone)});
      client_phase_ = ClientPhase::kSecurityResult;
      Expect(Step::kClientChoice, 1);
      return true;
    case Step::kClientChoice:
      return Choose(static_cast<uint8_t>(in[0]));
    case Step::kVencryptVersion:
      if (in != std::string_view("\0\x02", 2)) {
        Fail(VncSecurityCause::kVencryptVersion,
             absl::StrCat("QEMU offers VeNCrypt ", static_cast<int>(in[0]), ".",
                          static_cast<int>(in[1]), ", not 0.2"),
             kNegotiationFailed);
        return false;
      }
      to_server_.append(in);
      Expect(Step::kVencryptAck, 1);
      return true;
    case Step::kVencryptAck:
      if (in[0] != 0) {
        Fail(VncSecurityCause::kVencryptVersion, "QEMU refused VeNCrypt 0.2",
             kNegotiationFailed);
        return false;
      }
      Expect(Step::kSubtypeCount, 1);
      return true;
    case Step::kSubtypeCount:
      if (in[0] == 0) {
        Fail(VncSecurityCause::kVencryptSubtype,
             "QEMU offers no VeNCrypt subtype", kNegotiationFailed);
        return false;
      }
      Expect(Step::kSubtypes, 4 * size_t{static_cast<uint8_t>(in[0])});
      return true;
    case Step::kSubtypes: {
      std::vector<std::string> names;
      bool x509_none = false;
      for (size_t i = 0; i < in.size(); i += 4) {
        const uint32_t subtype = ReadU32(in.substr(i, 4));
        x509_none |= subtype == kX509None;
        names.push_back(SubtypeName(subtype));
      }
      if (!x509_none) {
        Fail(VncSecurityCause::kVencryptSubtype,
             absl::StrCat("QEMU offers VeNCrypt ", absl::StrJoin(names, ", "),
                          "; Porthole uses only X509None (260)"),
             kNegotiationFailed);
        return false;
      }
      to_server_.append(U32(kX509None));
      Expect(Step::kSubtypeAck, 1);
      return true;
    }
    case Step::kSubtypeAck:
      // VeNCrypt's ack is the other way round: 1 is yes.
      if (in[0] == 0) {
        Fail(VncSecurityCause::kServerRefused,
             "QEMU refused the X509None subtype", kNegotiationFailed);
        return false;
      }
      if (in[0] != 1 || !server_in_.empty()) {
        Fail(VncSecurityCause::kProtocol,
             in[0] != 1 ? absl::StrCat("VeNCrypt subtype ack ",
                                       static_cast<int>(in[0]))
                        : "QEMU sent bytes in the clear after its ack",
             kNegotiationFailed);
        return false;
      }
      step_ = Step::kTls;
      state_ = State::kStartTls;
      return false;
    case Step::kResult:
      if (ReadU32(in) == 0) {
        SendClient(std::string(in));  // the browser's SecurityResult
        client_phase_ = ClientPhase::kNone;
        step_ = Step::kDone;
        state_ = State::kRelay;
        return false;
      }
      result_.assign(in);
      Expect(Step::kResultLength, 4);
      return true;
    case Step::kResultLength:
      result_.append(in);
      return ExpectReason(in, Step::kResultReason,
                          "QEMU's SecurityResult failed");
    case Step::kResultReason:
      // QEMU's own failure goes to the browser as it is.
      SendClient(absl::StrCat(result_, std::string(in)));
      client_phase_ = ClientPhase::kNone;
      Fail(VncSecurityCause::kServerRefused,
           absl::StrCat("QEMU's SecurityResult failed: ", Escaped(in)), "");
      return false;
    case Step::kTls:
    case Step::kDone:
      return false;
  }
  return false;
}

bool RfbSecurityHandshake::ExpectReason(std::string_view length, Step next,
                                        std::string_view what) {
  const uint32_t bytes = ReadU32(length);
  if (bytes > kMaxReasonBytes) {
    Fail(VncSecurityCause::kServerRefused,
         absl::StrCat(std::string(what), ", with a ", bytes, "-byte reason"),
         kServerRefusedFixed);
    return false;
  }
  Expect(next, bytes);
  return true;
}

bool RfbSecurityHandshake::Choose(uint8_t client_type) {
  if (client_type != kTypeNone) {
    to_server_.push_back('\0');
    Fail(VncSecurityCause::kClientSecurityType,
         absl::StrCat("the browser chose ", TypeName(client_type)),
         kClientNotNone);
    return false;
  }
  for (char c : server_types_) {
    const uint8_t type = static_cast<uint8_t>(c);
    if ((type == kTypeNone && allow_none_) ||
        (type == kTypeVencrypt && allow_vencrypt_)) {
      server_type_ = type;
      to_server_.push_back(static_cast<char>(type));
      if (type == kTypeNone) {
        Expect(Step::kResult, 4);
      } else {
        Expect(Step::kVencryptVersion, 2);
      }
      return true;
    }
  }
  std::vector<std::string> offered;
  for (char c : server_types_) offered.push_back(TypeName(c));
  to_server_.push_back('\0');
  Fail(VncSecurityCause::kNoCommonType,
       absl::StrCat("QEMU offers ", absl::StrJoin(offered, ", "),
                    "; not one is in [vnc] auth_schemes"),
       kNegotiationFailed);
  return false;
}

}  // namespace porthole::controller
