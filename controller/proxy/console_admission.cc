#include "controller/proxy/console_admission.h"

#include <limits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "controller/proxy/token_source.h"
#include "controller/tokens/console_token.h"
#include "porthole/agent/v1/contract.h"

namespace porthole::controller {

agent::v1::Protocol ProtocolFor(ProxyKind kind) {
  switch (kind) {
    case ProxyKind::kNoVnc:
    case ProxyKind::kXvpVnc:
      return agent::v1::PROTOCOL_VNC;
    case ProxyKind::kSpiceHtml5:
    case ProxyKind::kSpiceDirect:
      return agent::v1::PROTOCOL_SPICE;
    case ProxyKind::kSerial:
      return agent::v1::PROTOCOL_SERIAL;
  }
  return agent::v1::PROTOCOL_UNSPECIFIED;
}

std::optional<std::string> ChooseSubprotocol(
    std::optional<std::string_view> offered) {
  if (!offered.has_value()) return std::string();
  bool any = false;
  for (std::string_view item : Split(*offered, ',')) {
    item = Trim(item);
    if (item.empty()) continue;
    any = true;
    if (AsciiLower(item) == "binary") return std::string("binary");
  }
  if (!any) return std::string();
  return std::nullopt;
}

ConsoleAdmission::ConsoleAdmission(ProxyKind kind, TokenStore* store,
                                   ServerDirectory* directory,
                                   const OriginPolicy* origins, UnixClock clock,
                                   absl::Duration recheck_inventory_max_age,
                                   bool single_use,
                                   const AccessRevocations* revocations)
    : kind_(kind),
      store_(store),
      directory_(directory),
      origins_(origins),
      clock_(std::move(clock)),
      recheck_inventory_max_age_(recheck_inventory_max_age),
      single_use_(single_use),
      revocations_(revocations) {}

absl::StatusOr<agent::v1::GetConsoleResponse> ConsoleAdmission::CurrentConsole(
    const Server& server, absl::Time confirmed,
    const std::string& request_id) const {
  if (recheck_inventory_max_age_ > absl::ZeroDuration() &&
      server.host_connected &&
      absl::Now() - confirmed <= recheck_inventory_max_age_) {
    return agent::v1::AnswerGetConsole(server.domain, ProtocolFor(kind_));
  }
  return directory_->GetConsole(server, ProtocolFor(kind_), request_id);
}

AdmissionResult ConsoleAdmission::Admit(const AdmissionRequest& request) const {
  AdmissionResult result;
  auto reject = [&](ProxyError error, std::string detail) {
    result.rejection = Reject(error, std::move(detail));
    return std::move(result);
  };

  std::optional<std::string> token =
      request.token ? request.token
                    : ExtractConsoleToken(request.target, request.cookie);
  if (!token.has_value()) return reject(ProxyError::kTokenInvalid, "no token");
  const std::string hash = HashConsoleToken(*token);
  result.token_tag = hash.substr(0, 8);
  if (!LooksLikeConsoleToken(*token)) {
    return reject(ProxyError::kTokenInvalid, "malformed token");
  }

  const int64_t now = clock_();
  absl::StatusOr<std::optional<ConsoleAuthRecord>> found =
      store_->FindValid(hash, now);
  if (!found.ok()) {
    // UNAVAILABLE (etcd down, no leader yet) came within the store's
    // deadline: 503, try again; anything else is a fault.
    return reject(absl::IsUnavailable(found.status())
                      ? ProxyError::kStoreUnavailable
                      : ProxyError::kInternal,
                  absl::StrCat("token store: ", found.status().message()));
  }
  if (!found->has_value()) {
    // FindValid answers rows with expires > now: asked again with the
    // smallest `now`, it finds an expired row that is not purged yet.
    absl::StatusOr<std::optional<ConsoleAuthRecord>> any =
        store_->FindValid(hash, std::numeric_limits<int64_t>::min());
    if (any.ok() && any->has_value()) {
      return reject(ProxyError::kTokenExpired,
                    absl::StrCat("expired ", now - (*any)->expires, " s ago"));
    }
    return reject(ProxyError::kTokenInvalid, "unknown token");
  }
  result.record = std::move(**found);
  const ConsoleAuthRecord& record = result.record;

  if (record.console_type != ProxyKindName(kind_)) {
    return reject(ProxyError::kWrongConsoleType,
                  absl::StrCat("token is for ", record.console_type));
  }

  if (std::optional<std::string> why =
          origins_->Check(request.origin, record.access_url_base)) {
    ProxyRejection r = Reject(
        ProxyError::kOriginRejected,
        absl::StrCat(*why, " origin=", request.origin.origin.value_or("")));
    r.phrase = *why;
    result.rejection = std::move(r);
    return result;
  }

  if (revocations_ != nullptr &&
      revocations_->IsRevoked(
          {record.user_id, record.project_id, record.revocation_keys})) {
    return reject(ProxyError::kAccessRevoked,
                  absl::StrCat("Keystone revoked the access of user ",
                               record.user_id, " that issued this URL"));
  }

  // Read before Find: the copy Find returns is then at least as current as
  // this confirmation.
  const absl::Time confirmed = directory_->ConfirmedAt(record.compute_host);
  absl::StatusOr<Server> server = directory_->Find(record.instance_uuid);
  if (absl::IsUnavailable(server.status())) {
    // The fleet cannot tell where the server is (its agent is down or still
    // syncing): the token may be good, so not token-invalid.
    return reject(
        ProxyError::kBackendUnreachable,
        absl::StrCat("server ", record.instance_uuid,
                     " cannot be looked up: ", server.status().message()));
  }
  if (!server.ok()) {
    return reject(ProxyError::kTokenInvalid,
                  absl::StrCat("server ", record.instance_uuid, " is gone"));
  }
  if (!record.compute_host.empty() && server->host != record.compute_host) {
    return reject(ProxyError::kTokenInvalid,
                  absl::StrCat("server moved from ", record.compute_host,
                               " to ", server->host));
  }
  absl::StatusOr<agent::v1::GetConsoleResponse> live =
      CurrentConsole(*server, confirmed, request.request_id);
  if (!live.ok()) {
    if (live.status().code() == absl::StatusCode::kNotFound) {
      return reject(ProxyError::kTokenInvalid,
                    absl::StrCat("agent: ", live.status().message()));
    }
    return reject(ProxyError::kBackendUnreachable,
                  absl::StrCat("agent: ", live.status().message()));
  }
  if (!live->has_console() ||
      (live->console().port() == 0 && live->console().tls_port() == 0)) {
    return reject(ProxyError::kTokenInvalid, "the server has no such console");
  }
  const agent::v1::Console& current = live->console();
  if (current.host() != record.host || current.port() != record.port ||
      current.tls_port() != record.tls_port.value_or(0)) {
    return reject(
        ProxyError::kTokenInvalid,
        absl::StrCat("console moved to ", current.host(), ":", current.port(),
                     current.tls_port() != 0
                         ? absl::StrCat(" tls ", current.tls_port())
                         : ""));
  }
  result.console = current;

  // Last, so that a refusal for any other reason leaves the URL usable.
  if (single_use_ && request.consume) {
    absl::StatusOr<bool> marked = store_->MarkUsed(hash, now);
    if (absl::IsNotFound(marked.status())) {
      return reject(ProxyError::kTokenInvalid, "revoked during admission");
    }
    if (!marked.ok()) {
      return reject(absl::IsUnavailable(marked.status())
                        ? ProxyError::kStoreUnavailable
                        : ProxyError::kInternal,
                    absl::StrCat("token store: ", marked.status().message()));
    }
    if (!*marked) {
      return reject(ProxyError::kTokenUsed,
                    "single_use: this URL admitted a session already");
    }
  }
  return result;
}

}  // namespace porthole::controller
