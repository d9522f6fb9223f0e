#ifndef PORTHOLE_CONTROLLER_PROXY_CONSOLE_ADMISSION_H_
#define PORTHOLE_CONTROLLER_PROXY_CONSOLE_ADMISSION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "controller/auth/access_revocations.h"
#include "controller/fleet/server_directory.h"
#include "controller/proxy/origin_policy.h"
#include "controller/proxy/proxy_options.h"
#include "controller/proxy/proxy_rejection.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// The parts of an upgrade request that decide whether it may have a console.
struct AdmissionRequest {
  std::string target;  // "/?token=..."
  std::string cookie;  // the Cookie header, "" when absent
  // Set: the token itself (a native viewer's password), not looked for in
  // `target` and `cookie`.
  std::optional<std::string> token;
  OriginRequest origin;
  std::string request_id;  // passed to the agent and logged
  // False: every check, but a single-use token is not marked used (the
  // `.vv` file of a spice-direct URL is fetched before the viewer uses it).
  bool consume = true;
};

struct AdmissionResult {
  std::optional<ProxyRejection> rejection;  // set: refuse before the 101
  ConsoleAuthRecord record;                 // when admitted: where to dial
  // When admitted: the console as the agent reports it now (SPICE's
  // channel modes decide between its port and tls port).
  agent::v1::Console console;
  // The first 8 hex digits of the token's SHA-256 (or "-"): the most of a
  // token that may appear in a log line.
  std::string token_tag = "-";
};

// The decision at the heart of the proxy, without sockets: from an upgrade
// request to "dial host:port" or a rejection reason. In order: find the token
// (ExtractConsoleToken), check its shape, look its hash up (unknown ->
// token-invalid, found only without the expiry filter -> token-expired), check
// its console type against this listener, check the Origin against the
// token's base URL, then, with `revocations` (Keystone's events), refuse
// a URL whose issuing access was revoked (access-revoked), then re-check
// with the fleet that the server still lives
// on the token's compute host and still has that console at the token's
// host:port and tls port (spec choice 9, CVE-2013-0335; a SPICE console
// may have a tls port only). The re-check reads the fleet's
// inventory when the host's agent confirmed it within
// `recheck_inventory_max_age` (see ServerDirectory::ConfirmedAt), else asks
// the agent for the live console. With `single_use` ([consoleauth]), last,
// the token is marked used in the store (TokenStore::MarkUsed, atomic across
// replicas): a token marked before is token-used, so a URL admits one
// session; a refusal for any earlier reason leaves the token unused. A server
// the fleet cannot look up because
// an agent is down or still syncing is backend-unreachable, not
// token-invalid: the token may well be good. Blocking: the token store and
// the agent are called on the caller's thread. Thread-safe when its parts
// are; all pointers must outlive it.
class ConsoleAdmission {
 public:
  ConsoleAdmission(ProxyKind kind, TokenStore* store,
                   ServerDirectory* directory, const OriginPolicy* origins,
                   UnixClock clock, absl::Duration recheck_inventory_max_age,
                   bool single_use = false,
                   const AccessRevocations* revocations = nullptr);

  AdmissionResult Admit(const AdmissionRequest& request) const;

  ProxyKind kind() const { return kind_; }

 private:
  // The server's console now: from `server` itself (the inventory's copy)
  // when its host was confirmed recently enough, else from its agent.
  absl::StatusOr<agent::v1::GetConsoleResponse> CurrentConsole(
      const Server& server, absl::Time confirmed,
      const std::string& request_id) const;

  ProxyKind kind_;
  TokenStore* store_;
  ServerDirectory* directory_;
  const OriginPolicy* origins_;
  UnixClock clock_;
  absl::Duration recheck_inventory_max_age_;
  bool single_use_;
  const AccessRevocations* revocations_;  // may be null
};

// The agent protocol a listener's consoles use (noVNC -> VNC, ...).
agent::v1::Protocol ProtocolFor(ProxyKind kind);

// The Sec-WebSocket-Protocol answer to an offer: "binary" when offered, ""
// when nothing was offered (noVNC sends none); nullopt when the client
// offered only others (e.g. websockify's old "base64"): refuse.
std::optional<std::string> ChooseSubprotocol(
    std::optional<std::string_view> offered);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_CONSOLE_ADMISSION_H_
