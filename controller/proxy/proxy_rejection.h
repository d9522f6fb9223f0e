#ifndef PORTHOLE_CONTROLLER_PROXY_PROXY_REJECTION_H_
#define PORTHOLE_CONTROLLER_PROXY_PROXY_REJECTION_H_

#include <string>
#include <string_view>

namespace porthole::controller {

// Why the proxy refused a WebSocket upgrade. Porthole answers these before
// the 101 (spec, choice 6): a plain HTTP status with an empty body, the
// reason in the status phrase and ProxyErrorName() in `X-Porthole-Error`.
enum class ProxyError {
  kTokenInvalid,            // 403: unknown, malformed, revoked or moved
  kTokenExpired,            // 403: the row exists but expires <= now
  kWrongConsoleType,        // 403: e.g. a serial token on the noVNC port
  kOriginRejected,          // 403: Origin host or scheme not allowed
  kBackendUnreachable,      // 502: agent down or syncing, guest not running,
                            // no connect
  kSubprotocolUnsupported,  // 400: offered subprotocols lack "binary"
  kOverloaded,              // 503: max_connections reached
  kStoreUnavailable,        // 503: the token store did not answer in time
  kInternal,                // 500: the token store failed otherwise
  kTokenSessionLimit,       // 429: max_sessions_per_token open on this URL
  kClientConnectionLimit,   // 429: max_connections_per_client from there
  kConsoleTlsFailed,        // 502: TLS to the console failed (SPICE tls port)
  kTokenUsed,               // 403: [consoleauth] single_use, already admitted
  kAccessRevoked,           // 403: Keystone revoked the access that issued it
  kCredentialAttemptLimit,  // 429: [native] attempts_per_minute from there
};

// The `X-Porthole-Error` value: "token-invalid", "token-expired", ...
std::string_view ProxyErrorName(ProxyError error);

struct ProxyRejection {
  ProxyError error = ProxyError::kTokenInvalid;
  int status = 403;
  std::string phrase;  // the HTTP reason phrase, for people reading curl -v
  std::string detail;  // for the log line only; never sent, never a token
};

// The status and phrase of `error`, with `detail` for the log.
ProxyRejection Reject(ProxyError error, std::string detail = "");

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_PROXY_REJECTION_H_
