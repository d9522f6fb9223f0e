// The TLS side of ConsoleProxy: the one TU that instantiates the proxy's
// connection template over beast::ssl_stream (see proxy_connection.h).
// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "controller/proxy/proxy_connection.h"

namespace porthole::controller::proxy_internal {

asio::awaitable<void> ServeTls(Runtime& rt, Listener& listener,
                               beast::tcp_stream stream,
                               beast::flat_buffer buffer, Connection& conn) {
  beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *rt.tls);
  conn.OnClose([&tls] {
    beast::error_code ec;
    beast::get_lowest_layer(tls).socket().close(ec);
  });
  beast::get_lowest_layer(tls).expires_after(
      ToChrono(rt.options->handshake_timeout));
  beast::error_code ec;
  // The bytes async_detect_ssl already read are the start of the handshake.
  size_t used = co_await tls.async_handshake(
      asio::ssl::stream_base::server, buffer.data(),
      asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    LogDebug(kLog, "TLS handshake failed ", LogField("peer", conn.peer()), " ",
             LogField("error", ec.message()));
    co_return;
  }
  buffer.consume(used);
  co_await ServeHttp(rt, listener, std::move(tls), std::move(buffer), conn);
}

}  // namespace porthole::controller::proxy_internal
