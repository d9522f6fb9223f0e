#include "controller/proxy/native_admission.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "controller/net/peer_address.h"
#include "controller/proxy/websocket_upgrade.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller::proxy_internal {

asio::awaitable<NativeAdmitted> AdmitNative(Runtime& rt, const Listener& l,
                                            std::string token,
                                            const std::string& peer,
                                            const std::string& request_id,
                                            bool consume) {
  NativeAdmitted out;
  auto refuse = [&](ProxyRejection r, const std::string& tag) {
    LogAndAuditRefusal(rt, l, peer, peer, "", request_id, tag, r);
    out.rejection = std::move(r);
    return std::move(out);
  };
  if (rt.native_attempts != nullptr) {
    const RateLimiter::Decision d =
        rt.native_attempts->Acquire(net::PeerLimitKey(peer), absl::Now());
    if (!d.allowed) {
      co_return refuse(
          Reject(ProxyError::kCredentialAttemptLimit,
                 absl::StrCat("retry in ", d.retry_after_seconds, " s")),
          "-");
    }
  }
  const std::string hash = HashConsoleToken(token);
  out.token_tag = hash.substr(0, 8);
  if (consume) {
    out.slot = rt.token_sessions->TryAcquire(hash);
    if (!out.slot) {
      co_return refuse(Reject(ProxyError::kTokenSessionLimit,
                              "sessions already open on this credential"),
                       out.token_tag);
    }
  }
  AdmissionRequest ask;
  ask.token = std::move(token);
  ask.origin.peer = peer;
  ask.request_id = request_id;
  ask.consume = consume;
  AdmissionResult admitted =
      co_await asio::co_spawn(*rt.pool, Admit(l, ask), asio::use_awaitable);
  if (admitted.rejection) {
    co_return refuse(*admitted.rejection, admitted.token_tag);
  }
  out.record = admitted.record;
  out.console = admitted.console;
  out.info = SessionInfoFor(out.record, out.token_tag, peer, request_id);
  out.info.console = absl::StrCat(out.record.host, ":", out.record.port);
  co_return out;
}

void LogNativeRefused(const Listener& l, const std::string& peer,
                      std::string_view why) {
  LogWarning(kLog, "native connection refused ",
             LogField("listener", ProxyKindName(l.kind)), " ",
             LogField("peer", peer), " ", LogField("why", std::string(why)));
}

}  // namespace porthole::controller::proxy_internal
