// Internal to controller/proxy: one client connection of a ConsoleProxy, as
// a coroutine template over the HTTP stream type: read requests until one
// asks for an upgrade (websocket_upgrade.h) or the client goes; plain GETs
// are static files (static_file_reply.h). Included only by console_proxy.cc
// (plain TCP) and console_proxy_tls.cc (TLS), so that each Beast stream type
// is instantiated in one TU and the two build in parallel.
#ifndef PORTHOLE_CONTROLLER_PROXY_PROXY_CONNECTION_H_
#define PORTHOLE_CONTROLLER_PROXY_PROXY_CONNECTION_H_

#include "absl/status/status.h"
#include "common/logging.h"
#include "controller/net/http_framing.h"
#include "controller/net/http_framing_beast.h"
#include "controller/proxy/proxy_rejection.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/static_file_reply.h"
#include "controller/proxy/websocket_upgrade.h"

namespace porthole::controller::proxy_internal {

// The plain-TCP entry, in console_proxy.cc, and the TLS one, in
// console_proxy_tls.cc: both end in ServeHttp below.
asio::awaitable<void> ServePlain(Runtime& rt, Listener& listener,
                                 beast::tcp_stream stream,
                                 beast::flat_buffer buffer, Connection& conn);
asio::awaitable<void> ServeTls(Runtime& rt, Listener& listener,
                               beast::tcp_stream stream,
                               beast::flat_buffer buffer, Connection& conn);

// Requests on one connection until an upgrade, an error or a close.
template <class Stream>
asio::awaitable<void> ServeHttp(Runtime& rt, Listener& l, Stream stream,
                                beast::flat_buffer buffer, Connection& conn) {
  if (conn.refusal() != net::Refusal::kNone) {
    // Answered without reading the request: overload must stay cheap.
    ProxyRejection r = Reject(conn.refusal() == net::Refusal::kTooManyFromPeer
                                  ? ProxyError::kClientConnectionLimit
                                  : ProxyError::kOverloaded);
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
    beast::error_code ec;
    co_await ReadRequestHead(rt, stream, buffer, parser, ec);
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
    // A GET, HEAD or upgrade has no body: a Transfer-Encoding or a length
    // would leave bytes that the next loop would read as another request.
    if (const absl::Status framing = net::CheckRequestFraming(
            net::FramingOf(parser.get()), net::BodyRule::kNoBody);
        !framing.ok() || !parser.is_done()) {
      LogWarning(
          kLog, "request refused ", LogField("listener", ProxyKindName(l.kind)),
          " ", LogField("peer", conn.peer()), " ",
          LogField("why", framing.ok() ? std::string("a body")
                                       : std::string(framing.message())));
      co_await WriteSimple(rt, stream, 11, http::status::bad_request,
                           "Unexpected request body", false, false);
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
