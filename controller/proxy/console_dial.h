// Internal to controller/proxy: the proxy's connection to a console, as a
// coroutine: TCP to host:port within connect_timeout, then, for a SPICE tls
// port, TLS from the first byte (HandshakeConsoleTls). Used before the 101
// (Upgrade) and, for a SPICE console whose channels differ, after the
// browser's link message (RunSpiceChannel).
#ifndef PORTHOLE_CONTROLLER_PROXY_CONSOLE_DIAL_H_
#define PORTHOLE_CONTROLLER_PROXY_CONSOLE_DIAL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controller/proxy/console_tls_client.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/relay_session.h"
#include "controller/proxy/spice_transport.h"

namespace porthole::controller::proxy_internal {

// A connected console: a TCP socket, or TLS over one.
struct ConsoleConnection {
  std::optional<tcp::socket> socket;            // plain
  std::optional<ConsoleTlsStream> tls;          // TLS (the socket moved inside)
  std::shared_ptr<asio::ssl::context> context;  // TLS: held for the session
  // Set when the dial failed: `tls_cause` empty for TCP (refused, timed
  // out, no route), else the TLS failure's cause for the log.
  std::optional<std::string> failure;
  std::string tls_cause;
};

// TCP to host:`transport.port`, then TLS when `transport.tls` with the
// spice-html5 proxy's context and [spice] tls_verify_hostname.
inline asio::awaitable<ConsoleConnection> DialConsole(
    Runtime& rt, asio::any_io_executor executor, const std::string& host,
    SpiceTransport transport) {
  const ProxyOptions& o = *rt.options;
  ConsoleConnection out;
  beast::error_code ec;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(
      host, std::to_string(transport.port), tcp::resolver::numeric_service,
      asio::redirect_error(asio::use_awaitable, ec));
  beast::tcp_stream dial(executor);
  if (!ec) {
    dial.expires_after(ToChrono(o.connect_timeout));
    co_await dial.async_connect(endpoints,
                                asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) {
    out.failure =
        absl::StrCat("connect ", host, ":", transport.port, ": ",
                     ec == beast::error::timeout ? "timed out" : ec.message());
    co_return out;
  }
  tcp::socket socket = dial.release_socket();
  socket.set_option(tcp::no_delay(true), ec);
  if (!transport.tls) {
    out.socket.emplace(std::move(socket));
  } else {
    out.context = rt.spice_tls->Current();
    out.tls.emplace(std::move(socket), *out.context);
    bool cert_requested = false;
    PrepareConsoleTls(*out.tls, o.spice_security.verify_hostname, host,
                      &cert_requested);
    std::optional<ConsoleTlsFailure> failed = co_await HandshakeConsoleTls(
        *out.tls, o.handshake_timeout, rt.spice_tls->has_client_cert(),
        cert_requested);
    if (failed) {
      beast::error_code ignored;
      out.tls->next_layer().close(ignored);
      out.failure = std::move(failed->detail);
      out.tls_cause = std::move(failed->cause);
    }
  }
  co_return out;
}

// The one log line of a failed TLS handshake with a console.
inline void LogConsoleSecurityFailed(const Listener& l, const SessionInfo& info,
                                     const std::string& cause,
                                     const std::string& detail) {
  LogWarning(kLog, "console security failed ",
             LogField("listener", ProxyKindName(l.kind)), " ",
             LogField("peer", info.peer), " ", LogField("server", info.server),
             " ", LogField("console", info.console), " ",
             LogField("cause", cause), " ", LogField("detail", detail), " ",
             LogField("token", info.token_tag), " ",
             LogField("request_id", info.request_id));
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_CONSOLE_DIAL_H_
