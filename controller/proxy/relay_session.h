// Internal to controller/proxy: one relaying session, the client (a
// browser's WebSocket or a native viewer's stream) and the console's stream, as
// coroutines over the HTTP stream type and the console's stream type (a TCP
// socket, or TLS over one after VeNCrypt). One read outstanding per direction,
// so a slow side slows the other instead of filling memory; all on the
// connection's executor.
#ifndef PORTHOLE_CONTROLLER_PROXY_RELAY_SESSION_H_
#define PORTHOLE_CONTROLLER_PROXY_RELAY_SESSION_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/relay_clients.h"
#include "controller/proxy/rfb_client_stream.h"
#include "controller/sessions/audit_records.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_end.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller::proxy_internal {

// One relaying session: the client (relay_clients.h) and the console's
// stream.
template <class Client, class Backend>
struct Session {
  Session(Client c, Backend b)
      : client(std::move(c)),
        backend(std::move(b)),
        timer(backend.get_executor()),
        done(backend.get_executor()),
        up_buf(new char[kRelayBufferBytes]),
        down_buf(new char[kRelayBufferBytes]) {}

  // Ends the session: closing the console's socket stops the downstream
  // loop, which then ends the client with `why` (a WebSocket gets its close
  // frame, CloseFrameFor). The first end wins.
  void Shutdown(SessionEnd end) {
    if (ended) return;
    ended = true;
    why = end;
    beast::error_code ec;
    tcp::socket& socket = beast::get_lowest_layer(backend);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    timer.cancel();
  }

  Client client;
  Backend backend;
  asio::steady_timer timer;  // idle limit, max duration, token expiry
  asio::steady_timer done;   // wakes the owner when downstream ends
  // Never zeroed: untouched pages of an idle session cost no memory.
  std::unique_ptr<char[]> up_buf;
  std::unique_ptr<char[]> down_buf;
  // The client's last input: what [console] idle_timeout measures.
  SteadyClock::time_point last_input = SteadyClock::now();
  // VNC: where ClientInit and the input messages are in the client's
  // bytes (viewer_sharing, idle_timeout); none on SPICE and serial, where
  // every client byte is input.
  std::optional<RfbClientStream> rfb;
  std::function<void(const RfbClientStream::ClientBytes&)> on_client_init;
  SessionEnd why = SessionEnd::kBackendClosed;
  std::string detail;  // for the log line: the client's error
  bool ended = false;
  bool down_done = false;
  SessionByteCounters bytes;  // read by the registry's listings
};

// Console -> client: each read becomes one binary frame, the next read
// starts only when that frame is written.
template <class S>
asio::awaitable<void> RelayDown(std::shared_ptr<S> s) {
  beast::error_code ec;
  for (;;) {
    size_t n = co_await s->backend.async_read_some(
        asio::buffer(s->down_buf.get(), kRelayBufferBytes),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    // Not input: a screen that keeps changing is no sign of a user.
    if (s->rfb && !s->rfb->past_client_init()) {
      s->rfb->OnServerBytes(s->down_buf.get(), n);
    }
    s->bytes.down.fetch_add(n, std::memory_order_relaxed);
    co_await s->client.Write(asio::buffer(s->down_buf.get(), n), ec);
    if (ec) {
      if (!s->ended) s->detail = "client write failed";
      s->Shutdown(SessionEnd::kClientFailed);
      break;
    }
  }
  s->Shutdown(SessionEnd::kBackendClosed);
  co_await s->client.Close(s->why);
}

// Whether the client's bytes held input; on VNC, rewrites ClientInit's
// shared-flag in place (RfbClientStream) and reports it.
template <class S>
bool FollowClientBytes(S& s, char* data, size_t n) {
  if (!s.rfb) return true;
  const RfbClientStream::ClientBytes seen = s.rfb->OnClientBytes(data, n);
  if (seen.client_init && s.on_client_init) s.on_client_init(seen);
  return seen.input;
}

// Client -> console: the client's bytes (a WebSocket's unmasked payload,
// whatever the frame boundaries) are written through as they arrive.
template <class S>
asio::awaitable<void> RelayUp(std::shared_ptr<S> s) {
  beast::error_code ec;
  for (;;) {
    size_t n = co_await s->client.ReadSome(
        asio::buffer(s->up_buf.get(), kRelayBufferBytes), ec);
    if (ec) {
      const bool by_peer = s->client.ClosedByPeer(ec);
      if (!s->ended && !by_peer) {
        s->detail = absl::StrCat("client: ", ec.message());
      }
      s->Shutdown(by_peer ? SessionEnd::kClientClosed
                          : SessionEnd::kClientFailed);
      break;
    }
    if (n == 0) continue;
    if (FollowClientBytes(*s, s->up_buf.get(), n)) {
      s->last_input = SteadyClock::now();
    }
    s->bytes.up.fetch_add(n, std::memory_order_relaxed);
    co_await asio::async_write(s->backend, asio::buffer(s->up_buf.get(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  s->Shutdown(SessionEnd::kBackendClosed);
}

// When a session must end whatever happens: the earlier of its
// max_session_duration and, with enforce_session_timeout, its token's
// expiry.
struct SessionDeadline {
  SteadyClock::time_point at;
  SessionEnd why;
};

// The idle limit (time since the client's last input) and the deadline.
template <class S>
asio::awaitable<void> Watch(std::shared_ptr<S> s, absl::Duration idle,
                            std::optional<SessionDeadline> deadline) {
  const auto idle_span = ToChrono(idle);
  while (!s->ended) {
    const auto now = SteadyClock::now();
    auto next = SteadyClock::time_point::max();
    if (deadline) {
      if (now >= deadline->at) {
        s->Shutdown(deadline->why);
        co_return;
      }
      next = deadline->at;
    }
    if (idle_span > SteadyClock::duration::zero()) {
      auto idle_at = s->last_input + idle_span;
      if (now >= idle_at) {
        s->Shutdown(SessionEnd::kIdle);
        co_return;
      }
      next = std::min(next, idle_at);
    }
    if (next == SteadyClock::time_point::max()) co_return;
    s->timer.expires_at(next);
    beast::error_code ec;
    co_await s->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// What a relay knows of its session, for its log lines, the registry, the
// audit records and its end.
struct SessionInfo {
  std::string peer;
  std::string server;      // the instance UUID
  std::string console;     // host:port
  std::string token_tag;   // the hash prefix, never the token
  std::string token_hash;  // to end the session when the token is revoked
  std::string request_id;
  std::string console_type;  // the token's
  std::string user_id;       // who issued the URL
  std::string project_id;
  RevocationKeys revocation_keys;  // of the Keystone token that issued it
  std::string client_address;      // through trusted proxies
  std::string origin;
  int64_t expires = 0;  // the token's, unix seconds
  // Client bytes read before the relay (by the RFB security handshake),
  // written to the console before anything else.
  std::string to_console;
  // noVNC: follows the RFB stream from where the relay starts.
  std::optional<RfbClientStream> rfb;
};

// A session's info from its admitted token: everything but the console,
// the client address (as `peer` until a caller knows better) and what the
// relay adds.
inline SessionInfo SessionInfoFor(const ConsoleAuthRecord& record,
                                  const std::string& token_tag,
                                  const std::string& peer,
                                  const std::string& request_id) {
  SessionInfo info;
  info.peer = peer;
  info.server = record.instance_uuid;
  info.token_tag = token_tag;
  info.token_hash = record.token_hash;
  info.request_id = request_id;
  info.expires = record.expires;
  info.console_type = record.console_type;
  info.user_id = record.user_id;
  info.project_id = record.project_id;
  info.revocation_keys = record.revocation_keys;
  info.client_address = peer;
  return info;
}

// The registry's and the audit's view of a session starting now.
inline ConsoleSessionInfo RegistryInfo(const Runtime& rt,
                                       const SessionInfo& info) {
  ConsoleSessionInfo out;
  out.id = NewUuid4();
  out.server_id = info.server;
  out.console_type = info.console_type;
  out.user_id = info.user_id;
  out.project_id = info.project_id;
  out.client_address = info.client_address;
  out.origin = info.origin;
  out.backend = info.console;
  out.replica = rt.replica;
  out.token_hash = info.token_hash;
  out.revocation_keys = info.revocation_keys;
  out.started = absl::Now();
  return out;
}

// Relays a client (relay_clients.h) and a connected console stream until
// either side ends (or the idle limit, max_session_duration, the token's
// expiry with enforce_session_timeout, or an end through the registry: an
// admin, a revocation); `info.to_console` is written to the console first.
// The connection's closer is the proxy draining. Registered in the session
// registry and audited (start and end) for its whole life.
template <class Client, class Backend>
asio::awaitable<void> RunRelay(Runtime& rt, const Listener& l, Client client,
                               Backend backend, const SessionInfo& info,
                               Connection& conn) {
  const ProxyOptions& o = *rt.options;
  const asio::any_io_executor executor = backend.get_executor();
  beast::error_code ec;
  auto s = std::make_shared<Session<Client, Backend>>(std::move(client),
                                                      std::move(backend));
  ++rt.sessions;
  const auto started = SteadyClock::now();
  conn.OnClose([s] { s->Shutdown(SessionEnd::kProxyDraining); });
  const ConsoleSessionInfo registered = RegistryInfo(rt, info);
  // An admin or a revocation (from any replica) ends the session on its own
  // executor; weak: the registration goes with this frame, a posted end may
  // not.
  ConsoleSessionRegistry::Registration live = rt.session_registry->Add(
      registered, &s->bytes,
      [executor, weak = std::weak_ptr(s)](SessionEnd why) {
        asio::post(executor, [weak, why] {
          if (auto session = weak.lock()) session->Shutdown(why);
        });
      });
  if (rt.audit != nullptr) rt.audit->Write(SessionStartAudit(registered));
  LogInfo(kLog, "session opened ", LogField("listener", ProxyKindName(l.kind)),
          " ", LogField("session", registered.id), " ",
          LogField("peer", info.peer), " ", LogField("server", info.server),
          " ", LogField("console", info.console), " ",
          LogField("token", info.token_tag), " ",
          LogField("request_id", info.request_id));

  s->rfb = info.rfb;
  if (s->rfb) {
    s->on_client_init = [&rt, &l, &info, &registered,
                         &o](const RfbClientStream::ClientBytes& seen) {
      if (!seen.rewritten) return;
      LogInfo(kLog, "viewer sharing applied ",
              LogField("listener", ProxyKindName(l.kind)), " ",
              LogField("session", registered.id), " ",
              LogField("server", info.server), " ",
              LogField("asked", seen.asked_exclusive ? "exclusive" : "shared"),
              " ",
              LogField("viewer_sharing", ViewerSharingName(o.viewer_sharing)),
              " ", LogField("request_id", info.request_id));
      if (rt.audit != nullptr) {
        rt.audit->Write(ClientInitRewrittenAudit(
            registered, ViewerSharingName(o.viewer_sharing),
            seen.asked_exclusive, absl::Now()));
      }
    };
  }

  std::optional<SessionDeadline> deadline;
  if (o.max_session_duration > absl::ZeroDuration()) {
    deadline = SessionDeadline{started + ToChrono(o.max_session_duration),
                               SessionEnd::kMaxDuration};
  }
  if (o.enforce_session_timeout) {
    const auto expiry =
        started + std::chrono::seconds(info.expires - rt.clock());
    if (!deadline || expiry < deadline->at) {
      deadline = SessionDeadline{expiry, SessionEnd::kTokenExpired};
    }
  }
  if (deadline || o.idle_timeout > absl::ZeroDuration()) {
    asio::co_spawn(executor, Watch(s, o.idle_timeout, deadline),
                   asio::detached);
  }
  s->done.expires_at(SteadyClock::time_point::max());
  asio::co_spawn(executor, RelayDown(s), [s](std::exception_ptr) {
    s->down_done = true;
    s->done.cancel();
  });
  if (!info.to_console.empty()) {
    std::string first = info.to_console;  // ClientInit may be rewritten
    FollowClientBytes(*s, first.data(), first.size());
    s->bytes.up.fetch_add(first.size(), std::memory_order_relaxed);
    co_await asio::async_write(s->backend, asio::buffer(first),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) s->Shutdown(SessionEnd::kBackendClosed);
  }
  if (!s->ended) co_await RelayUp(s);
  s->on_client_init = nullptr;  // it refers to this frame
  while (!s->down_done) {
    co_await s->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  --rt.sessions;
  const uint64_t up = s->bytes.up.load(std::memory_order_relaxed);
  const uint64_t down = s->bytes.down.load(std::memory_order_relaxed);
  if (rt.audit != nullptr) {
    rt.audit->Write(SessionEndAudit(registered, absl::Now(), up, down, s->why));
  }
  LogInfo(
      kLog, "session closed ", LogField("listener", ProxyKindName(l.kind)), " ",
      LogField("session", registered.id), " ", LogField("peer", info.peer), " ",
      LogField("server", info.server), " ",
      LogField("why", SessionEndName(s->why)), " ",
      LogField("detail", s->detail.empty() ? "-" : s->detail), " ",
      LogField("bytes_up", std::to_string(up)), " ",
      LogField("bytes_down", std::to_string(down)), " ",
      LogField("seconds", absl::StrCat(absl::ToDoubleSeconds(
                              absl::FromChrono(SteadyClock::now() - started)))),
      " ", LogField("request_id", info.request_id));
}

// RunRelay for a browser's accepted WebSocket.
template <class Stream, class Backend>
asio::awaitable<void> RunSession(Runtime& rt, const Listener& l,
                                 websocket::stream<Stream> ws, Backend backend,
                                 const SessionInfo& info, Connection& conn) {
  co_await RunRelay(rt, l, WebSocketClient<Stream>(std::move(ws)),
                    std::move(backend), info, conn);
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_RELAY_SESSION_H_
