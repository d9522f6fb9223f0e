#include "controller/proxy/proxy_rejection.h"

#include <utility>

namespace porthole::controller {

std::string_view ProxyErrorName(ProxyError error) {
  switch (error) {
    case ProxyError::kTokenInvalid:
      return "token-invalid";
    case ProxyError::kTokenExpired:
      return "token-expired";
    case ProxyError::kWrongConsoleType:
      return "wrong-console-type";
    case ProxyError::kOriginRejected:
      return "origin-rejected";
    case ProxyError::kBackendUnreachable:
      return "backend-unreachable";
    case ProxyError::kSubprotocolUnsupported:
      return "subprotocol-unsupported";
    case ProxyError::kOverloaded:
      return "overloaded";
    case ProxyError::kStoreUnavailable:
      return "store-unavailable";
    case ProxyError::kInternal:
      return "internal-error";
    case ProxyError::kTokenSessionLimit:
      return "token-session-limit";
    case ProxyError::kClientConnectionLimit:
      return "client-connection-limit";
    case ProxyError::kConsoleTlsFailed:
      return "console-tls-failed";
    case ProxyError::kTokenUsed:
      return "token-used";
    case ProxyError::kAccessRevoked:
      return "access-revoked";
    case ProxyError::kCredentialAttemptLimit:
      return "credential-attempt-limit";
  }
  return "internal-error";
}

ProxyRejection Reject(ProxyError error, std::string detail) {
  ProxyRejection r;
  r.error = error;
  r.detail = std::move(detail);
  switch (error) {
    case ProxyError::kTokenInvalid:
      r.status = 403;
      r.phrase = "Console token invalid";
      break;
    case ProxyError::kTokenExpired:
      r.status = 403;
      r.phrase = "Console token expired";
      break;
    case ProxyError::kWrongConsoleType:
      r.status = 403;
      r.phrase = "Console token is for another console type";
      break;
    case ProxyError::kOriginRejected:
      r.status = 403;
      r.phrase = "Origin not allowed";
      break;
    case ProxyError::kBackendUnreachable:
      r.status = 502;
      r.phrase = "Console unreachable";
      break;
    case ProxyError::kSubprotocolUnsupported:
      r.status = 400;
      r.phrase = "Only the binary subprotocol is supported";
      break;
    case ProxyError::kOverloaded:
      r.status = 503;
      r.phrase = "Too many connections";
      break;
    case ProxyError::kStoreUnavailable:
      r.status = 503;
      r.phrase = "Token store unavailable";
      break;
    case ProxyError::kInternal:
      r.status = 500;
      r.phrase = "Token store failed";
      break;
    case ProxyError::kTokenSessionLimit:
      r.status = 429;
      r.phrase = "Too many sessions on this console URL";
      break;
    case ProxyError::kClientConnectionLimit:
      r.status = 429;
      r.phrase = "Too many connections from this address";
      break;
    case ProxyError::kConsoleTlsFailed:
      r.status = 502;
      r.phrase = "Console TLS handshake failed";
      break;
    case ProxyError::kTokenUsed:
      r.status = 403;
      r.phrase = "Console token already used";
      break;
    case ProxyError::kAccessRevoked:
      r.status = 403;
      r.phrase = "Access revoked";
      break;
    case ProxyError::kCredentialAttemptLimit:
      r.status = 429;
      r.phrase = "Too many credential attempts from this address";
      break;
  }
  return r;
}

}  // namespace porthole::controller
