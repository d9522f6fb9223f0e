// Internal to controller/proxy: one relaying session, the client's
// WebSocket and the console's stream, as coroutines over the HTTP stream
// type and the console's stream type (a TCP socket, or TLS over one after
// VeNCrypt). One read outstanding per direction, so a slow side slows the
// other instead of filling memory; all on the connection's executor.
#ifndef PORTHOLE_CONTROLLER_PROXY_RELAY_SESSION_H_
#define PORTHOLE_CONTROLLER_PROXY_RELAY_SESSION_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "controller/proxy/proxy_runtime.h"

namespace porthole::controller::proxy_internal {

// One relaying session: the client's WebSocket and the console's stream.
template <class Stream, class Backend>
struct Session {
  Session(websocket::stream<Stream> w, Backend b)
      : ws(std::move(w)),
        backend(std::move(b)),
        timer(backend.get_executor()),
        done(backend.get_executor()),
        up_buf(new char[kRelayBufferBytes]),
        down_buf(new char[kRelayBufferBytes]) {}

  // Ends the session: closing the console's socket stops the downstream
  // loop, which then sends `why` to the client in a close frame.
  void Shutdown(websocket::close_reason why) {
    if (ended) return;
    ended = true;
    close_reason = std::move(why);
    beast::error_code ec;
    tcp::socket& socket = beast::get_lowest_layer(backend);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    timer.cancel();
  }

  websocket::stream<Stream> ws;
  Backend backend;
  asio::steady_timer timer;  // idle limit and token expiry
  asio::steady_timer done;   // wakes the owner when downstream ends
  // Never zeroed: untouched pages of an idle session cost no memory.
  std::unique_ptr<char[]> up_buf;
  std::unique_ptr<char[]> down_buf;
  SteadyClock::time_point last_activity = SteadyClock::now();
  websocket::close_reason close_reason{websocket::close_code::normal};
  std::string end_reason = "console closed";
  bool ended = false;
  bool down_done = false;
  uint64_t bytes_up = 0;    // client -> console
  uint64_t bytes_down = 0;  // console -> client
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
    s->last_activity = SteadyClock::now();
    s->bytes_down += n;
    co_await s->ws.async_write(asio::buffer(s->down_buf.get(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      s->end_reason = "client write failed";
      break;
    }
  }
  if (!s->ended) s->Shutdown({websocket::close_code::normal, "console closed"});
  if (s->ws.is_open()) {
    co_await s->ws.async_close(s->close_reason,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Client -> console: unmasked payload bytes are written through as they
// arrive, whatever the frame boundaries.
template <class S>
asio::awaitable<void> RelayUp(std::shared_ptr<S> s) {
  beast::error_code ec;
  for (;;) {
    size_t n = co_await s->ws.async_read_some(
        asio::buffer(s->up_buf.get(), kRelayBufferBytes),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!s->ended) {
        s->end_reason = ec == websocket::error::closed
                            ? "client closed"
                            : absl::StrCat("client: ", ec.message());
      }
      break;
    }
    if (n == 0) continue;
    s->last_activity = SteadyClock::now();
    s->bytes_up += n;
    co_await asio::async_write(s->backend, asio::buffer(s->up_buf.get(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  s->Shutdown({websocket::close_code::normal, ""});
}

// The idle limit and, with enforce_session_timeout, the token's expiry.
template <class S>
asio::awaitable<void> Watch(std::shared_ptr<S> s, absl::Duration idle,
                            std::optional<SteadyClock::time_point> expiry) {
  const auto idle_span = ToChrono(idle);
  while (!s->ended) {
    const auto now = SteadyClock::now();
    auto next = SteadyClock::time_point::max();
    if (expiry) {
      if (now >= *expiry) {
        s->end_reason = "token expired";
        s->Shutdown({websocket::close_code::policy_error, "token expired"});
        co_return;
      }
      next = *expiry;
    }
    if (idle_span > SteadyClock::duration::zero()) {
      auto idle_at = s->last_activity + idle_span;
      if (now >= idle_at) {
        s->end_reason = "idle";
        s->Shutdown({websocket::close_code::going_away, "idle"});
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

// What a relay knows of its session, for its log lines and its end.
struct SessionInfo {
  std::string peer;
  std::string server;      // the instance UUID
  std::string console;     // host:port
  std::string token_tag;   // the hash prefix, never the token
  std::string token_hash;  // to end the session when the token is revoked
  std::string request_id;
  int64_t expires = 0;  // the token's, unix seconds
  // Client bytes read before the relay (by the RFB security handshake),
  // written to the console before anything else.
  std::string to_console;
};

// Relays an accepted WebSocket and a connected console stream until either
// side ends (or the idle limit, or the token's expiry with
// enforce_session_timeout); `info.to_console` is written to the console
// first. The connection's closer becomes "close 1001".
template <class Stream, class Backend>
asio::awaitable<void> RunSession(Runtime& rt, const Listener& l,
                                 websocket::stream<Stream> ws, Backend backend,
                                 const SessionInfo& info, Connection& conn) {
  const ProxyOptions& o = *rt.options;
  const asio::any_io_executor executor = backend.get_executor();
  beast::error_code ec;
  auto s = std::make_shared<Session<Stream, Backend>>(std::move(ws),
                                                      std::move(backend));
  ++rt.sessions;
  const auto started = SteadyClock::now();
  conn.OnClose([s] {
    s->Shutdown({websocket::close_code::going_away, "shutdown"});
  });
  // A revocation (from any replica) ends the session on its own executor;
  // weak: the registration goes with this frame, a posted end may not.
  TokenSessionRegistry::Registration revocable = rt.session_registry->Add(
      info.token_hash, [executor, weak = std::weak_ptr(s)] {
        asio::post(executor, [weak] {
          if (auto session = weak.lock(); session && !session->ended) {
            session->end_reason = "token revoked";
            session->Shutdown(
                {websocket::close_code::policy_error, "console token revoked"});
          }
        });
      });
  LogInfo(
      kLog, "session opened ", LogField("listener", ProxyKindName(l.kind)), " ",
      LogField("peer", info.peer), " ", LogField("server", info.server), " ",
      LogField("console", info.console), " ", LogField("token", info.token_tag),
      " ", LogField("request_id", info.request_id));

  std::optional<SteadyClock::time_point> expiry;
  if (o.enforce_session_timeout) {
    expiry = started + std::chrono::seconds(info.expires - rt.clock());
  }
  if (expiry || o.idle_timeout > absl::ZeroDuration()) {
    asio::co_spawn(executor, Watch(s, o.idle_timeout, expiry), asio::detached);
  }
  s->done.expires_at(SteadyClock::time_point::max());
  asio::co_spawn(executor, RelayDown(s), [s](std::exception_ptr) {
    s->down_done = true;
    s->done.cancel();
  });
  if (!info.to_console.empty()) {
    s->bytes_up += info.to_console.size();
    co_await asio::async_write(s->backend, asio::buffer(info.to_console),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) s->Shutdown({websocket::close_code::normal, ""});
  }
  if (!s->ended) co_await RelayUp(s);
  while (!s->down_done) {
    co_await s->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  --rt.sessions;
  LogInfo(
      kLog, "session closed ", LogField("listener", ProxyKindName(l.kind)), " ",
      LogField("peer", info.peer), " ", LogField("server", info.server), " ",
      LogField("why", s->end_reason), " ",
      LogField("bytes_up", std::to_string(s->bytes_up)), " ",
      LogField("bytes_down", std::to_string(s->bytes_down)), " ",
      LogField("seconds", absl::StrCat(absl::ToDoubleSeconds(
                              absl::FromChrono(SteadyClock::now() - started)))),
      " ", LogField("request_id", info.request_id));
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_RELAY_SESSION_H_
