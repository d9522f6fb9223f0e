#ifndef PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_ISSUER_H_
#define PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_ISSUER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "controller/auth/access_revocations.h"
#include "controller/consoles/console_types.h"
#include "controller/fleet/server_directory.h"
#include "controller/tokens/token_store.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

// Who asks for a console URL: stored with its token, so the proxy's
// session registry and audit records can name them.
struct ConsoleRequester {
  std::string user_id;
  std::string project_id;
  RevocationKeys revocation_keys;  // of a Keystone token
};

// Turns an agent's answer for one console into a token and its URL:
// draws a fresh token (NewConsoleToken), stores only its SHA-256 with the
// endpoint (host/port/tls_port from the agent's Console), the server's uuid
// and compute host, the requester, the proxy base URL and `expires = now +
// token_ttl`, and returns the URL built from that base (BuildConsoleUrl). The
// raw token leaves only in the returned URL. Holds no state of its own besides
// the options; thread-safe when the store is.
class ConsoleIssuer {
 public:
  // `store` must outlive the issuer. A null clock means the system clock.
  ConsoleIssuer(ConsoleOptions options, TokenStore* store, UnixClock clock);

  // Errors: INVALID_ARGUMENT `Unavailable console type <vnc|spice|serial>.`
  // when the answer has no console the proxy can dial for `kind` (none, or
  // only a UNIX socket); otherwise the store's error.
  absl::StatusOr<std::string> Issue(
      const Server& server, const ConsoleKind& kind,
      const agent::v1::GetConsoleResponse& answer,
      const ConsoleRequester& requester = {}) const;

  const ConsoleOptions& options() const { return options_; }
  int64_t Now() const { return clock_(); }

 private:
  ConsoleOptions options_;
  TokenStore* store_;
  UnixClock clock_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_ISSUER_H_
