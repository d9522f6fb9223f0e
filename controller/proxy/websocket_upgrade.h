// Internal to controller/proxy: from an upgrade request to a relaying
// session or a refusal before the 101 (spec, Porthole's choice 6), as
// coroutines over the HTTP stream type. ConsoleAdmission decides on the
// blocking pool; everything else runs on the connection's executor.
#ifndef PORTHOLE_CONTROLLER_PROXY_WEBSOCKET_UPGRADE_H_
#define PORTHOLE_CONTROLLER_PROXY_WEBSOCKET_UPGRADE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "controller/proxy/console_admission.h"
#include "controller/proxy/console_dial.h"
#include "controller/proxy/proxy_rejection.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/relay_session.h"
#include "controller/proxy/spice_channel_session.h"
#include "controller/proxy/spice_transport.h"
#include "controller/proxy/token_session_counter.h"
#include "controller/proxy/token_source.h"
#include "controller/proxy/vnc_security_session.h"
#include "controller/sessions/audit_records.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller::proxy_internal {

inline void LogRejection(const Listener& l, const std::string& peer,
                         const std::string& request_id,
                         const std::string& token_tag,
                         const ProxyRejection& r) {
  LogWarning(
      kLog, "upgrade rejected ", LogField("listener", ProxyKindName(l.kind)),
      " ", LogField("peer", peer), " ",
      LogField("reason", ProxyErrorName(r.error)), " ",
      LogField("status", std::to_string(r.status)), " ",
      LogField("token", token_tag), " ", LogField("request_id", request_id),
      " ", LogField("detail", r.detail));
}

// With [audit] file, the admission-refused record of a client refused
// before its session (never the token).
inline void AuditRefusal(const Runtime& rt, const Listener& l,
                         const std::string& client_address,
                         const std::string& origin,
                         const std::string& request_id,
                         const std::string& token_tag,
                         const ProxyRejection& r) {
  if (rt.audit == nullptr) return;
  rt.audit->Write(AdmissionRefusedAudit(
      {std::string(ProxyKindName(l.kind)), std::string(ProxyErrorName(r.error)),
       token_tag, client_address, origin, request_id},
      absl::Now()));
}

// A client refused before its session: the `upgrade rejected` line and the
// audit record.
inline void LogAndAuditRefusal(const Runtime& rt, const Listener& l,
                               const std::string& peer,
                               const std::string& client_address,
                               const std::string& origin,
                               const std::string& request_id,
                               const std::string& token_tag,
                               const ProxyRejection& r) {
  LogRejection(l, peer, request_id, token_tag, r);
  AuditRefusal(rt, l, client_address, origin, request_id, token_tag, r);
}

// The refusal before the 101: status, phrase, X-Porthole-Error, no body.
template <class Stream>
asio::awaitable<void> WriteRejection(const Runtime& rt, Stream& stream,
                                     unsigned version,
                                     const ProxyRejection& r) {
  http::response<http::empty_body> res{static_cast<http::status>(r.status),
                                       version};
  res.reason(r.phrase);
  res.set(http::field::server, "porthole");
  res.set("X-Porthole-Error", ProxyErrorName(r.error));
  res.content_length(0);
  res.keep_alive(false);
  beast::get_lowest_layer(stream).expires_after(
      ToChrono(rt.options->handshake_timeout));
  beast::error_code ec;
  co_await http::async_write(stream, res,
                             asio::redirect_error(asio::use_awaitable, ec));
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send,
                                                    ec);
}

// Admission on the blocking pool (token store, agent re-check). A named
// coroutine, not a lambda: GCC 12 destroys a capturing closure twice when it
// is a temporary in a co_await expression.
inline asio::awaitable<AdmissionResult> Admit(const Listener& l,
                                              const AdmissionRequest& ask) {
  co_return l.admission->Admit(ask);
}

// The upgrade of one request: subprotocol, admission (on the pool), the
// dial to the console, then Beast's 101 and the relay. Every refusal before
// the 101 is WriteRejection plus one log line.
template <class Stream>
asio::awaitable<void> Upgrade(Runtime& rt, Listener& l, Stream stream,
                              http::request<http::empty_body> req,
                              Connection& conn) {
  const ProxyOptions& o = *rt.options;
  const std::string& peer = conn.peer();
  const std::string request_id = NewRequestId();
  // Everything of this connection runs on its executor (a strand when the
  // event loop has several threads).
  const asio::any_io_executor executor = stream.get_executor();
  conn.OnClose([&stream] {
    beast::error_code ec;
    beast::get_lowest_layer(stream).socket().close(ec);
  });
  auto header = [&](auto name) -> std::optional<std::string> {
    auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string(it->value());
  };
  OriginRequest origin;
  origin.origin = header(http::field::origin);
  origin.host = header(http::field::host).value_or("");
  origin.forwarded_host = header("X-Forwarded-Host");
  origin.forwarded_proto = header("X-Forwarded-Proto");
  origin.forwarded_for = header("X-Forwarded-For");
  origin.peer = peer;
  const std::string client_address = rt.origins->ClientAddress(origin);
  auto refuse = [&](const ProxyRejection& r, const std::string& tag) {
    LogAndAuditRefusal(rt, l, peer, client_address, origin.origin.value_or(""),
                       request_id, tag, r);
    return WriteRejection(rt, stream, req.version(), r);
  };
  std::optional<std::string_view> offered;
  if (auto it = req.find(http::field::sec_websocket_protocol);
      it != req.end()) {
    offered = it->value();
  }
  std::optional<std::string> subprotocol = ChooseSubprotocol(offered);
  if (!subprotocol) {
    co_await refuse(Reject(ProxyError::kSubprotocolUnsupported,
                           absl::StrCat("offered ", std::string(*offered))),
                    "-");
    co_return;
  }

  // One URL may hold only so many sessions: Nova lets it be reused until
  // it expires, the cap keeps it from taking the pool every tenant shares.
  // Counted before admission, so a flood on one token queues no agent calls
  // either; the slot is held until the session ends.
  std::optional<TokenSessionCounter::Slot> slot;
  std::string cookie;
  if (auto it = req.find(http::field::cookie); it != req.end()) {
    cookie = std::string(it->value());
  }
  if (std::optional<std::string> token =
          ExtractConsoleToken(req.target(), cookie)) {
    const std::string hash = HashConsoleToken(*token);
    slot = rt.token_sessions->TryAcquire(hash);
    if (!slot) {
      co_await refuse(
          Reject(ProxyError::kTokenSessionLimit,
                 absl::StrCat(rt.token_sessions->max_per_token(),
                              " sessions already open on this URL")),
          hash.substr(0, 8));
      co_return;
    }
  }

  AdmissionRequest ask;
  ask.target = std::string(req.target());
  ask.cookie = cookie;
  ask.origin = origin;
  ask.request_id = request_id;
  AdmissionResult admitted =
      co_await asio::co_spawn(*rt.pool, Admit(l, ask), asio::use_awaitable);
  if (admitted.rejection) {
    co_await refuse(*admitted.rejection, admitted.token_tag);
    co_return;
  }
  const ConsoleAuthRecord& record = admitted.record;
  SessionInfo info =
      SessionInfoFor(record, admitted.token_tag, peer, request_id);
  info.client_address = client_address;
  info.origin = origin.origin.value_or("");

  // SPICE: the plain port, or the tls port with TLS from the first byte,
  // decided here for the whole console when its channels agree; otherwise
  // per channel after the 101 (RunSpiceChannel).
  std::optional<SpiceTransport> transport = SpiceTransport{false, record.port};
  if (l.kind == ProxyKind::kSpiceHtml5) {
    absl::StatusOr<std::optional<SpiceTransport>> chosen =
        ChooseSpiceConsoleTransport(record, admitted.console, o.spice_security);
    if (!chosen.ok()) {
      co_await refuse(Reject(ProxyError::kBackendUnreachable,
                             std::string(chosen.status().message())),
                      admitted.token_tag);
      co_return;
    }
    transport = *chosen;
  }

  // Dial the console, bounded: a dead host must not hold the browser.
  std::optional<ConsoleConnection> dialed;
  if (transport) {
    info.console = absl::StrCat(record.host, ":", transport->port);
    dialed.emplace(co_await DialConsole(rt, executor, record.host, *transport));
    if (dialed->failure && dialed->tls_cause.empty()) {
      co_await refuse(Reject(ProxyError::kBackendUnreachable, *dialed->failure),
                      admitted.token_tag);
      co_return;
    }
    if (dialed->failure) {
      // One line with the cause; the browser gets a refusal before the 101.
      LogConsoleSecurityFailed(l, info, dialed->tls_cause, *dialed->failure);
      const ProxyRejection r =
          Reject(ProxyError::kConsoleTlsFailed, *dialed->failure);
      AuditRefusal(rt, l, client_address, origin.origin.value_or(""),
                   request_id, admitted.token_tag, r);
      co_await WriteRejection(rt, stream, req.version(), r);
      co_return;
    }
  }

  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_never();
  websocket::stream<Stream> ws(std::move(stream));
  conn.OnClose([&ws] {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  });
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = ToChrono(o.handshake_timeout);
  if (o.keepalive_interval > absl::ZeroDuration()) {
    timeouts.idle_timeout = ToChrono(o.keepalive_interval * 2);
    timeouts.keep_alive_pings = true;
  } else {
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
  }
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [sp = *subprotocol](websocket::response_type& res) {
        res.set(http::field::server, "porthole");
        if (!sp.empty()) res.set(http::field::sec_websocket_protocol, sp);
      }));
  ws.read_message_max(o.max_message_bytes);
  ws.auto_fragment(false);
  ws.binary(true);
  co_await ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    LogWarning(kLog, "WebSocket handshake failed ",
               LogField("listener", ProxyKindName(l.kind)), " ",
               LogField("peer", peer), " ", LogField("error", ec.message()),
               " ", LogField("request_id", request_id));
    co_return;
  }

  if (l.kind == ProxyKind::kNoVnc) {
    // The browser and QEMU negotiate security themselves: the proxy
    // follows the RFB stream from its first byte.
    info.rfb = RfbClientStream::FromVersion(o.viewer_sharing);
  }
  if (!dialed) {
    co_await RunSpiceChannel(rt, l, std::move(ws), record, admitted.console,
                             info, conn);
  } else if (l.kind == ProxyKind::kNoVnc && o.vnc.vencrypt()) {
    // The RFB security handshake in the middle, then the relay.
    co_await RunVncSecurity(rt, l, WebSocketClient<Stream>(std::move(ws)),
                            std::move(*dialed->socket), info, record.host,
                            conn);
  } else if (dialed->tls) {
    co_await RunSession(rt, l, std::move(ws), std::move(*dialed->tls), info,
                        conn);
  } else {
    co_await RunSession(rt, l, std::move(ws), std::move(*dialed->socket), info,
                        conn);
  }
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_WEBSOCKET_UPGRADE_H_
