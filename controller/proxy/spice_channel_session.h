// Internal to controller/proxy: one spice-html5 connection to a console
// whose channels do not all take the same port (a secure main channel
// beside plain ones, as libvirt's <channel mode=...> makes them). After the
// 101, the browser's first bytes are its link message, which names the
// channel: RunSpiceChannel reads up to the channel type (bounded by
// handshake_timeout), decides with ChooseSpiceTransport, dials (TLS from
// the first byte for a TLS port), then relays, the link message first. A
// browser that leaves, stalls or sends something else before its channel
// type is the client's failure: `spice link failed` at INFO and a close
// frame 1002. A dial that fails is one log line (`console security failed`
// with `cause=` for TLS, `console unreachable` otherwise) and a close frame
// 1011 to the browser, which spice-html5 reports.
#ifndef PORTHOLE_CONTROLLER_PROXY_SPICE_CHANNEL_SESSION_H_
#define PORTHOLE_CONTROLLER_PROXY_SPICE_CHANNEL_SESSION_H_

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "common/logging.h"
#include "controller/proxy/console_dial.h"
#include "controller/proxy/handshake_deadline.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/relay_session.h"
#include "controller/proxy/spice_transport.h"

namespace porthole::controller::proxy_internal {

// Reads the browser's link message up to its channel type into `*read`;
// the channel type, or nullopt (the reason in `*why`).
template <class Stream>
asio::awaitable<std::optional<uint8_t>> ReadSpiceChannelType(
    websocket::stream<Stream>& ws, absl::Duration timeout, std::string* read,
    std::string* why) {
  asio::steady_timer timer(ws.get_executor());
  std::shared_ptr<HandshakeDeadline> deadline = ArmHandshakeDeadline(
      timer, timeout, &beast::get_lowest_layer(ws).socket());
  std::optional<uint8_t> type;
  std::array<char, 1024> buffer;
  beast::error_code ec;
  while (read->size() < 64 * 1024) {
    absl::StatusOr<std::optional<uint8_t>> parsed = SpiceLinkChannelType(*read);
    if (!parsed.ok()) {
      *why = std::string(parsed.status().message());
      break;
    }
    if (parsed->has_value()) {
      type = **parsed;
      break;
    }
    const size_t n = co_await ws.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      *why = deadline->expired ? "timed out" : ec.message();
      break;
    }
    read->append(buffer.data(), n);
  }
  deadline->Finish();
  timer.cancel();
  co_return type;
}

// The connection for `channel`, with `info->console` set to what is
// dialled.
inline asio::awaitable<ConsoleConnection> DialSpiceChannel(
    Runtime& rt, asio::any_io_executor executor,
    const ConsoleAuthRecord& record, const agent::v1::Console& console,
    uint8_t channel, SessionInfo* info) {
  absl::StatusOr<SpiceTransport> transport =
      ChooseSpiceTransport(record, SpiceChannelModeFor(console, channel),
                           rt.options->spice_security);
  if (!transport.ok()) {
    ConsoleConnection out;
    out.failure =
        absl::StrCat("channel ", channel, ": ", transport.status().message());
    co_return out;
  }
  info->console = absl::StrCat(record.host, ":", transport->port);
  co_return co_await DialConsole(rt, executor, record.host, *transport);
}

template <class Stream>
asio::awaitable<void> RunSpiceChannel(Runtime& rt, const Listener& l,
                                      websocket::stream<Stream> ws,
                                      const ConsoleAuthRecord& record,
                                      const agent::v1::Console& console,
                                      SessionInfo info, Connection& conn) {
  const ProxyOptions& o = *rt.options;
  conn.OnClose([&ws] {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
  });
  std::string why;
  std::string link;
  std::optional<uint8_t> channel =
      co_await ReadSpiceChannelType(ws, o.handshake_timeout, &link, &why);
  if (!channel) {
    LogInfo(
        kLog, "spice link failed ", LogField("listener", ProxyKindName(l.kind)),
        " ", LogField("peer", info.peer), " ", LogField("server", info.server),
        " ", LogField("detail", why), " ", LogField("token", info.token_tag),
        " ", LogField("request_id", info.request_id));
    co_await CloseWebSocket(ws, websocket::close_code::protocol_error,
                            "no SPICE link message");
    conn.OnClose(nullptr);  // it refers to this frame
    co_return;
  }
  const asio::any_io_executor executor = ws.get_executor();
  ConsoleConnection dialed =
      co_await DialSpiceChannel(rt, executor, record, console, *channel, &info);
  if (dialed.failure) {
    if (!dialed.tls_cause.empty()) {
      LogConsoleSecurityFailed(l, info, dialed.tls_cause, *dialed.failure);
    } else {
      LogWarning(kLog, "console unreachable ",
                 LogField("listener", ProxyKindName(l.kind)), " ",
                 LogField("peer", info.peer), " ",
                 LogField("server", info.server), " ",
                 LogField("detail", *dialed.failure), " ",
                 LogField("token", info.token_tag), " ",
                 LogField("request_id", info.request_id));
    }
    co_await CloseWebSocket(ws, websocket::close_code::internal_error,
                            "console unreachable");
    conn.OnClose(nullptr);  // it refers to this frame
    co_return;
  }
  info.to_console = std::move(link);
  if (dialed.tls) {
    co_await RunSession(rt, l, std::move(ws), std::move(*dialed.tls), info,
                        conn);
  } else {
    co_await RunSession(rt, l, std::move(ws), std::move(*dialed.socket), info,
                        conn);
  }
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_SPICE_CHANNEL_SESSION_H_
