#ifndef PORTHOLE_CONTROLLER_PROXY_CONSOLE_PROXY_H_
#define PORTHOLE_CONTROLLER_PROXY_CONSOLE_PROXY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "controller/auth/access_revocations.h"
#include "controller/fleet/server_directory.h"
#include "controller/proxy/proxy_options.h"
#include "controller/sessions/audit_log.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

namespace net {
class EventLoop;
}  // namespace net

// Where the proxy reports its sessions; each may be left unset.
struct ProxySessionServices {
  // Every relaying session, to list and end them (the admin API shares it);
  // null: the proxy keeps one of its own. Must outlive the proxy.
  ConsoleSessionRegistry* registry = nullptr;
  AuditLog* audit = nullptr;  // null: no audit records; outlives the proxy
  std::string replica;        // this controller's name in the registry
  // Keystone's revocation events: a URL whose issuing access was revoked
  // admits no session. Null: no such check. Must outlive the proxy.
  const AccessRevocations* revocations = nullptr;
};

// The console proxies of porthole-controller: up to three listeners (noVNC,
// spice-html5, serial), each serving its client's static files and turning a
// WebSocket carrying a console token into a TCP connection to that console.
// Every upgrade is decided by ConsoleAdmission before the 101; a refused one
// gets a plain HTTP error with an empty body and an X-Porthole-Error header.
// Then bytes are relayed both ways, one read outstanding per direction (so a
// slow peer slows the other side instead of filling memory), with keepalive
// pings, an idle limit and, optionally, a cut at token expiry.
// Boost.Beast underneath, on `loop` (the controller's one event loop, which
// must outlive the proxy and be stopped after it; without one the proxy runs
// its own); blocking token-store and agent calls run on a small pool.
// `store` and `directory` must outlive the proxy. Start/Stop from one
// thread; the accessors are thread-safe.
class ConsoleProxy {
 public:
  // A null clock means the system clock.
  ConsoleProxy(ProxyOptions options, TokenStore* store,
               ServerDirectory* directory, UnixClock clock = nullptr,
               net::EventLoop* loop = nullptr,
               ProxySessionServices services = {});
  ~ConsoleProxy();  // Stop(0)s
  ConsoleProxy(const ConsoleProxy&) = delete;
  ConsoleProxy& operator=(const ConsoleProxy&) = delete;

  // Opens every enabled listener. Errors: "cannot listen on HOST:PORT: why",
  // or a bad option (trusted_proxies, TLS or VeNCrypt files,
  // ValidateProxyOptions); nothing is left open then.
  absl::Status Start();
  // Stops accepting, lets open sessions run for up to `drain`, then closes
  // them (WebSocket close 4006 "proxy shutting down") and their consoles.
  // Idempotent.
  void Stop(absl::Duration drain);
  // Re-reads the VeNCrypt and SPICE TLS certificate, key and CA files
  // ([vnc] vencrypt_*, [spice] tls_*, the same paths) for sessions that
  // start from now on (SIGHUP). On an error the old ones of that identity
  // stay. OK when both are off. Thread-safe.
  absl::Status ReloadCertificates();

  // The bound port of a listener (useful with port 0); 0 when it is off.
  uint16_t port(ProxyKind kind) const;
  // Open client connections, upgraded or not (for tests and health).
  size_t connections() const;
  // Relaying WebSocket sessions.
  size_t sessions() const;
  // Ends the sessions relaying for these console tokens (SHA-256 hex),
  // with WebSocket close 4002 "console token revoked"; returns how many.
  // For the token store's RevocationListener. Thread-safe; does not block.
  size_t EndSessions(const std::vector<std::string>& token_hashes);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_CONSOLE_PROXY_H_
