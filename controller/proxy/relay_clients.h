// Internal to controller/proxy: the client's side of a relaying session, so
// that one relay (relay_session.h) and one RFB security handshake with QEMU
// (vnc_security_session.h: the Handshake* hooks) serve browsers and native
// viewers. A client reads and writes bytes and ends with a SessionEnd:
//   WebSocketClient: the browser's WebSocket; each write is one binary
//     frame, the end is a close frame (CloseFrameFor).
//   RawClient: a native viewer's TCP or TLS stream; the end closes it.
#ifndef PORTHOLE_CONTROLLER_PROXY_RELAY_CLIENTS_H_
#define PORTHOLE_CONTROLLER_PROXY_RELAY_CLIENTS_H_

#include <cstddef>
#include <string>
#include <utility>

#include "controller/proxy/proxy_runtime.h"
#include "controller/sessions/session_end.h"

namespace porthole::controller::proxy_internal {

// Closes `ws` with `code` and `reason` if it is still open.
template <class Stream>
asio::awaitable<void> CloseWebSocket(websocket::stream<Stream>& ws,
                                     websocket::close_code code,
                                     const char* reason) {
  if (!ws.is_open()) co_return;
  beast::error_code ignored;
  co_await ws.async_close(websocket::close_reason(code, reason),
                          asio::redirect_error(asio::use_awaitable, ignored));
}

template <class Stream>
class WebSocketClient {
 public:
  explicit WebSocketClient(websocket::stream<Stream> ws) : ws_(std::move(ws)) {}

  asio::awaitable<size_t> ReadSome(asio::mutable_buffer buffer,
                                   beast::error_code& ec) {
    return ws_.async_read_some(buffer,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  asio::awaitable<void> Write(asio::const_buffer bytes, beast::error_code& ec) {
    co_await ws_.async_write(bytes,
                             asio::redirect_error(asio::use_awaitable, ec));
  }
  // The client closed the session itself (its close frame).
  static bool ClosedByPeer(const beast::error_code& ec) {
    return ec == websocket::error::closed;
  }
  // Sends `end`'s close frame if the WebSocket is still open.
  asio::awaitable<void> Close(SessionEnd end) {
    const SessionCloseFrame frame = CloseFrameFor(end);
    const std::string reason(frame.reason);
    co_await CloseWebSocket(ws_, static_cast<websocket::close_code>(frame.code),
                            reason.c_str());
  }

  // The RFB security handshake: the browser's own bytes, each write one
  // frame; a failure (its RFB reason already written) ends in a close frame.
  tcp::socket& socket() { return beast::get_lowest_layer(ws_).socket(); }
  asio::awaitable<size_t> HandshakeRead(asio::mutable_buffer buffer,
                                        beast::error_code& ec) {
    return ReadSome(buffer, ec);
  }
  asio::awaitable<void> HandshakeWrite(asio::const_buffer frame,
                                       beast::error_code& ec) {
    return Write(frame, ec);
  }
  asio::awaitable<void> HandshakeFailed() {
    co_await CloseWebSocket(ws_, websocket::close_code::normal,
                            "console security failed");
  }
  asio::awaitable<void> HandshakeDone() { co_return; }

 private:
  websocket::stream<Stream> ws_;
};

template <class Stream>
class RawClient {
 public:
  explicit RawClient(Stream stream) : stream_(std::move(stream)) {}

  asio::awaitable<size_t> ReadSome(asio::mutable_buffer buffer,
                                   beast::error_code& ec) {
    return stream_.async_read_some(
        buffer, asio::redirect_error(asio::use_awaitable, ec));
  }
  asio::awaitable<void> Write(asio::const_buffer bytes, beast::error_code& ec) {
    co_await asio::async_write(stream_, bytes,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  static bool ClosedByPeer(const beast::error_code& ec) {
    return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
  }
  // A raw stream has no room for a reason: the log line and the audit
  // record carry it.
  asio::awaitable<void> Close(SessionEnd) {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    co_return;
  }

  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  Stream& stream() { return stream_; }

 private:
  Stream stream_;
};

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_RELAY_CLIENTS_H_
