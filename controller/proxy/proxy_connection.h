// Internal to controller/proxy: one client connection of a ConsoleProxy, as
// a coroutine template over the HTTP stream type. Included only by
// console_proxy.cc (plain TCP) and console_proxy_tls.cc (TLS), so that each
// Beast stream type is instantiated in one TU and the two build in parallel.
// Everything here runs on the proxy's single I/O thread, except
// ConsoleAdmission::Admit, which runs on the blocking pool.
#ifndef PORTHOLE_CONTROLLER_PROXY_PROXY_CONNECTION_H_
#define PORTHOLE_CONTROLLER_PROXY_PROXY_CONNECTION_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "controller/net/connection_set.h"
#include "controller/net/durations.h"
#include "controller/net/listener.h"
#include "controller/proxy/console_admission.h"
#include "controller/proxy/console_proxy.h"
#include "controller/proxy/proxy_options.h"
#include "controller/proxy/proxy_rejection.h"
#include "controller/proxy/static_files.h"
#include "controller/tokens/console_token.h"

#if BOOST_VERSION == 107400
// Beast 1.74 unmasks client payload one byte at a time (about 40% of the
// proxy's CPU upstream). This explicit specialization, for the one buffer
// type the read path of a websocket::stream<...> over a plain or TLS stream
// unmasks, XORs eight bytes at a time with the same result: bytes in order,
// and the key rotated by the length modulo 4 as Beast's own loop leaves it.
// It must be seen before the read operation is instantiated, so it lives in
// the one header every proxy TU includes. Tested by the relay tests with
// odd-sized messages.
namespace boost::beast::websocket::detail {
template <>
inline void
mask_inplace<buffers_prefix_view<buffers_suffix<net::mutable_buffer>>>(
    buffers_prefix_view<buffers_suffix<net::mutable_buffer>> const& buffers,
    prepared_key& key) {
  for (net::mutable_buffer b : beast::buffers_range_ref(buffers)) {
    auto* p = static_cast<unsigned char*>(b.data());
    const size_t n = b.size();
    const unsigned char k8[8] = {key[0], key[1], key[2], key[3],
                                 key[0], key[1], key[2], key[3]};
    uint64_t word_key;
    std::memcpy(&word_key, k8, 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      word ^= word_key;
      std::memcpy(p + i, &word, 8);
    }
    for (; i < n; ++i) p[i] ^= key[i % 4];
    rol(key, n % 4);
  }
}
}  // namespace boost::beast::websocket::detail
#endif

namespace porthole::controller::proxy_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using net::SteadyClock;
using net::ToChrono;

inline constexpr char kLog[] = "proxy";
inline constexpr size_t kRelayBufferBytes = 64 * 1024;
inline constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

// State shared by every connection of one ConsoleProxy; read from the
// event loop's threads, written only before Start.
struct Runtime {
  const ProxyOptions* options = nullptr;
  ConsoleProxy::Clock clock;
  asio::thread_pool* pool = nullptr;
  asio::ssl::context* tls = nullptr;  // null: plain only
  std::atomic<size_t> sessions{0};
};

// One of the proxy's listeners (noVNC, spice-html5, serial).
struct Listener {
  ProxyKind kind;
  const ProxyListenerOptions* config;
  std::unique_ptr<ConsoleAdmission> admission;
  std::unique_ptr<net::Listener> socket;  // bound in Start
};

using net::Connection;

// The plain-TCP entry, in console_proxy.cc, and the TLS one, in
// console_proxy_tls.cc: both end in ServeHttp below.
asio::awaitable<void> ServePlain(Runtime& rt, Listener& listener,
                                 beast::tcp_stream stream,
                                 beast::flat_buffer buffer, Connection& conn);
asio::awaitable<void> ServeTls(Runtime& rt, Listener& listener,
                               beast::tcp_stream stream,
                               beast::flat_buffer buffer, Connection& conn);

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

// Writes a prepared response (only its head for HEAD requests) within the
// handshake timeout. Returns whether the connection may read another request.
template <class Stream, class Body>
asio::awaitable<bool> WriteResponse(const Runtime& rt, Stream& stream,
                                    http::response<Body>& res, bool head) {
  beast::get_lowest_layer(stream).expires_after(
      ToChrono(rt.options->handshake_timeout));
  beast::error_code ec;
  if (head) {
    http::response_serializer<Body> sr{res};
    co_await http::async_write_header(
        stream, sr, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await http::async_write(stream, res,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return !ec && res.keep_alive();
}

// A plain HTTP answer with a short text body (static file errors).
template <class Stream>
asio::awaitable<bool> WriteSimple(const Runtime& rt, Stream& stream,
                                  unsigned version, http::status status,
                                  std::string_view phrase, bool keep_alive,
                                  bool head) {
  http::response<http::string_body> res{status, version};
  if (!phrase.empty()) res.reason(phrase);
  res.set(http::field::server, "porthole");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (status == http::status::method_not_allowed) {
    res.set(http::field::allow, "GET, HEAD");
  }
  res.body() = std::to_string(static_cast<unsigned>(status)) + " " +
               std::string(phrase.empty() ? res.reason() : phrase) + "\n";
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) res.body().clear();
  co_return co_await WriteResponse(rt, stream, res, head);
}

// GET/HEAD of a client file. Returns whether to read another request.
template <class Stream>
asio::awaitable<bool> ServeStatic(const Runtime& rt, const Listener& l,
                                  Stream& stream,
                                  const http::request<http::empty_body>& req) {
  const bool keep_alive = req.keep_alive();
  const bool head = req.method() == http::verb::head;
  if (l.config->web_root.empty()) {
    // Nova's serial proxy has no web root: anything but an upgrade is 405.
    co_return co_await WriteSimple(rt, stream, req.version(),
                                   http::status::method_not_allowed, "",
                                   keep_alive, head);
  }
  if (req.method() != http::verb::get && !head) {
    co_return co_await WriteSimple(rt, stream, req.version(),
                                   http::status::method_not_allowed, "",
                                   keep_alive, false);
  }
  StaticFile file = ResolveStaticFile(l.config->web_root, req.target());
  beast::error_code ec;
  http::file_body::value_type body;
  if (file.status == 200) {
    body.open(file.path.c_str(), beast::file_mode::scan, ec);
    if (ec) file = StaticFile{404, "", "", "cannot open"};
  }
  if (file.status != 200) {
    LogDebug(kLog, "static file refused ",
             LogField("listener", ProxyKindName(l.kind)), " ",
             LogField("status", std::to_string(file.status)), " ",
             LogField("why", file.reason));
    co_return co_await WriteSimple(
        rt, stream, req.version(), static_cast<http::status>(file.status),
        file.status == 400 ? std::string_view(file.reason) : "", keep_alive,
        head);
  }
  http::response<http::file_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "porthole");
  res.set(http::field::content_type, file.content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  co_return co_await WriteResponse(rt, stream, res, head);
}

// One relaying session: the client's WebSocket and the console's socket.
template <class Stream>
struct Session {
  Session(websocket::stream<Stream> w, tcp::socket b)
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
    backend.shutdown(tcp::socket::shutdown_both, ec);
    backend.close(ec);
    timer.cancel();
  }

  websocket::stream<Stream> ws;
  tcp::socket backend;
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
template <class Stream>
asio::awaitable<void> RelayDown(std::shared_ptr<Session<Stream>> s) {
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
template <class Stream>
asio::awaitable<void> RelayUp(std::shared_ptr<Session<Stream>> s) {
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
template <class Stream>
asio::awaitable<void> Watch(std::shared_ptr<Session<Stream>> s,
                            absl::Duration idle,
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

// Admission on the blocking pool (token store, agent re-check). A named
// coroutine, not a lambda: GCC 12 destroys a capturing closure twice when it
// is a temporary in a co_await expression.
inline asio::awaitable<AdmissionResult> Admit(const Listener& l,
                                              const AdmissionRequest& ask) {
  co_return l.admission->Admit(ask);
}

template <class Stream>
asio::awaitable<void> Upgrade(Runtime& rt, Listener& l, Stream stream,
                              http::request<http::empty_body> req,
                              Connection& conn) {
  const ProxyOptions& o = *rt.options;
  const std::string& peer = conn.peer();
  const std::string request_id = "req-" + NewConsoleToken();
  // Everything of this connection runs on its executor (a strand when the
  // event loop has several threads).
  const asio::any_io_executor executor = stream.get_executor();
  conn.OnClose([&stream] {
    beast::error_code ec;
    beast::get_lowest_layer(stream).socket().close(ec);
  });
  auto refuse = [&](const ProxyRejection& r, const std::string& tag) {
    LogRejection(l, peer, request_id, tag, r);
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

  AdmissionRequest ask;
  ask.target = std::string(req.target());
  if (auto it = req.find(http::field::cookie); it != req.end()) {
    ask.cookie = std::string(it->value());
  }
  auto header = [&](auto name) -> std::optional<std::string> {
    auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string(it->value());
  };
  ask.origin.origin = header(http::field::origin);
  ask.origin.host = header(http::field::host).value_or("");
  ask.origin.forwarded_host = header("X-Forwarded-Host");
  ask.origin.forwarded_proto = header("X-Forwarded-Proto");
  ask.origin.peer = peer;
  ask.request_id = request_id;
  AdmissionResult admitted =
      co_await asio::co_spawn(*rt.pool, Admit(l, ask), asio::use_awaitable);
  if (admitted.rejection) {
    co_await refuse(*admitted.rejection, admitted.token_tag);
    co_return;
  }
  const ConsoleAuthRecord& record = admitted.record;
  const std::string console = absl::StrCat(record.host, ":", record.port);

  // Dial the console, bounded: a dead host must not hold the browser.
  beast::error_code ec;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(
      record.host, std::to_string(record.port), tcp::resolver::numeric_service,
      asio::redirect_error(asio::use_awaitable, ec));
  beast::tcp_stream dial(executor);
  if (!ec) {
    dial.expires_after(ToChrono(o.connect_timeout));
    co_await dial.async_connect(endpoints,
                                asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    co_await refuse(
        Reject(ProxyError::kBackendUnreachable,
               absl::StrCat(
                   "connect ", console, ": ",
                   ec == beast::error::timeout ? "timed out" : ec.message())),
        admitted.token_tag);
    co_return;
  }
  tcp::socket backend = dial.release_socket();
  backend.set_option(tcp::no_delay(true), ec);

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

  auto s = std::make_shared<Session<Stream>>(std::move(ws), std::move(backend));
  ++rt.sessions;
  const auto started = SteadyClock::now();
  conn.OnClose([s] {
    s->Shutdown({websocket::close_code::going_away, "shutdown"});
  });
  LogInfo(kLog, "session opened ", LogField("listener", ProxyKindName(l.kind)),
          " ", LogField("peer", peer), " ",
          LogField("server", record.instance_uuid), " ",
          LogField("console", console), " ",
          LogField("token", admitted.token_tag), " ",
          LogField("request_id", request_id));

  std::optional<SteadyClock::time_point> expiry;
  if (o.enforce_session_timeout) {
    expiry = started + std::chrono::seconds(record.expires - rt.clock());
  }
  if (expiry || o.idle_timeout > absl::ZeroDuration()) {
    asio::co_spawn(executor, Watch(s, o.idle_timeout, expiry), asio::detached);
  }
  s->done.expires_at(SteadyClock::time_point::max());
  asio::co_spawn(executor, RelayDown(s), [s](std::exception_ptr) {
    s->down_done = true;
    s->done.cancel();
  });
  co_await RelayUp(s);
  while (!s->down_done) {
    co_await s->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  --rt.sessions;
  LogInfo(
      kLog, "session closed ", LogField("listener", ProxyKindName(l.kind)), " ",
      LogField("peer", peer), " ", LogField("server", record.instance_uuid),
      " ", LogField("why", s->end_reason), " ",
      LogField("bytes_up", std::to_string(s->bytes_up)), " ",
      LogField("bytes_down", std::to_string(s->bytes_down)), " ",
      LogField("seconds", absl::StrCat(absl::ToDoubleSeconds(
                              absl::FromChrono(SteadyClock::now() - started)))),
      " ", LogField("request_id", request_id));
}

// Requests on one connection until an upgrade, an error or a close.
template <class Stream>
asio::awaitable<void> ServeHttp(Runtime& rt, Listener& l, Stream stream,
                                beast::flat_buffer buffer, Connection& conn) {
  if (conn.refusal() != net::Refusal::kNone) {
    // Answered without reading the request: overload must stay cheap.
    ProxyRejection r = Reject(ProxyError::kOverloaded);
    LogRejection(l, conn.peer(), "-", "-", r);
    co_await WriteRejection(rt, stream, 11, r);
    co_return;
  }
  conn.OnClose([&stream] {
    beast::error_code ec;
    beast::get_lowest_layer(stream).socket().close(ec);
  });
  for (;;) {
    // Between requests a stopping proxy closes the connection at once.
    if (!conn.Idle()) co_return;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    beast::get_lowest_layer(stream).expires_after(
        ToChrono(rt.options->handshake_timeout));
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    conn.Busy();
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == beast::error::timeout || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset ||
        ec == asio::error::bad_descriptor) {
      co_return;
    }
    if (ec) {
      co_await WriteSimple(rt, stream, 11, http::status::bad_request,
                           "Malformed HTTP request", false, false);
      co_return;
    }
    if (websocket::is_upgrade(parser.get())) {
      co_await Upgrade(rt, l, std::move(stream), parser.release(), conn);
      co_return;
    }
    if (!co_await ServeStatic(rt, l, stream, parser.get())) co_return;
  }
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_PROXY_CONNECTION_H_
