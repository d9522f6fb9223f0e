#include "controller/consoles/console_issuer.h"

#include <chrono>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "controller/consoles/console_urls.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller {
namespace {

// A hash collision of two UUID4s is not going to happen; a few retries only
// keep a broken random source from looping forever.
constexpr int kMaxInsertAttempts = 3;

// The proxies dial TCP host:port; a SPICE console may have a TLS port alone
// (spice-direct's external proxy, and Porthole's spice-html5 proxy with
// [spice] tls_ca_certs); a UNIX socket on the compute host is out of reach.
bool Reachable(const ConsoleKind& kind, const agent::v1::Console& console) {
  if (console.host().empty()) return false;
  if (console.port() != 0) return true;
  return kind.protocol == agent::v1::PROTOCOL_SPICE && console.tls_port() != 0;
}

}  // namespace

ConsoleIssuer::ConsoleIssuer(ConsoleOptions options, TokenStore* store,
                             UnixClock clock)
    : options_(std::move(options)),
      store_(store),
      clock_(clock ? std::move(clock) : UnixClock(SystemUnixSeconds)) {}

absl::StatusOr<std::string> ConsoleIssuer::Issue(
    const Server& server, const ConsoleKind& kind,
    const agent::v1::GetConsoleResponse& answer,
    const ConsoleRequester& requester) const {
  if (!answer.has_console() || !Reachable(kind, answer.console())) {
    return absl::InvalidArgumentError(
        absl::StrCat("Unavailable console type ",
                     std::string(ProtocolWord(kind.protocol)), "."));
  }
  const agent::v1::Console& console = answer.console();
  const std::string& base = AccessUrlBase(kind.type, options_);

  ConsoleAuthRecord record;
  record.console_type = kind.type;
  record.host = console.host();
  record.port = console.port();
  if (console.tls_port() != 0) record.tls_port = console.tls_port();
  record.instance_uuid = server.domain.uuid();
  record.compute_host = server.host;
  record.access_url_base = base;
  record.expires = clock_() + options_.token_ttl_seconds;
  record.user_id = requester.user_id;
  record.project_id = requester.project_id;
  record.revocation_keys = requester.revocation_keys;

  absl::Status inserted;
  for (int attempt = 0; attempt < kMaxInsertAttempts; ++attempt) {
    std::string token = NewConsoleToken();
    record.token_hash = HashConsoleToken(token);
    inserted = store_->Insert(record);
    if (inserted.ok()) return BuildConsoleUrl(kind.type, base, token);
    if (!absl::IsAlreadyExists(inserted)) break;
  }
  return inserted;
}

}  // namespace porthole::controller
