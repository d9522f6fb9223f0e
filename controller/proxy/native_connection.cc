#include "controller/proxy/native_connection.h"

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <array>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "controller/net/peer_address.h"
#include "controller/proxy/console_admission.h"
#include "controller/proxy/console_dial.h"
#include "controller/proxy/native_admission.h"
#include "controller/proxy/native_spice.h"
#include "controller/proxy/relay_clients.h"
#include "controller/proxy/relay_session.h"
#include "controller/proxy/static_file_reply.h"
#include "controller/proxy/token_source.h"
#include "controller/proxy/vencrypt_plain.h"
#include "controller/proxy/vnc_security_session.h"
#include "controller/proxy/websocket_upgrade.h"
#include "controller/sessions/audit_records.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller::proxy_internal {
namespace {

// A native VNC viewer as RunVncSecurity's client. It settled its security
// with Porthole (VeNCrypt X509Plain, credential checked), so towards the
// handshake with QEMU it answers as a browser would (RFB 3.8, security type
// None) without a byte from the viewer, and at the end the viewer gets the
// SecurityResult it is waiting for: OK, or failed with QEMU's reason.
class NativeVncViewer : public RawClient<TlsStream> {
 public:
  explicit NativeVncViewer(TlsStream stream)
      : RawClient<TlsStream>(std::move(stream)) {}

  asio::awaitable<size_t> HandshakeRead(asio::mutable_buffer buffer,
                                        beast::error_code& ec) {
    static constexpr std::array<std::string_view, 2> kScript = {
        vencrypt_plain::kRfbVersion, std::string_view("\x01", 1)};
    if (step_ >= kScript.size()) {
      ec = asio::error::eof;
      co_return 0;
    }
    const std::string_view next = kScript[step_++];
    co_return asio::buffer_copy(buffer, asio::buffer(next.data(), next.size()));
  }
  asio::awaitable<void> HandshakeWrite(asio::const_buffer frame,
                                       beast::error_code& ec) {
    last_.assign(static_cast<const char*>(frame.data()), frame.size());
    ec = {};
    co_return;
  }
  asio::awaitable<void> HandshakeFailed() {
    std::string reason = vencrypt_plain::FailureReasonOf(last_);
    if (reason.empty()) reason = RfbSecurityHandshake::kNegotiationFailed;
    const std::string result = vencrypt_plain::SecurityResultFailed(reason);
    beast::error_code ignored;
    co_await Write(asio::buffer(result), ignored);
    co_await Close(SessionEnd::kBackendClosed);
  }
  asio::awaitable<void> HandshakeDone() {
    const std::string result = vencrypt_plain::SecurityResultOk();
    beast::error_code ec;
    co_await Write(asio::buffer(result), ec);
    if (ec) co_await Close(SessionEnd::kClientFailed);
    beast::get_lowest_layer(stream()).expires_never();
  }

 private:
  size_t step_ = 0;
  std::string last_;  // what the handshake would have told a browser last
};

// VeNCrypt X509Plain with the viewer, up to its password (the credential);
// nullopt when the viewer left the protocol (logged).
asio::awaitable<std::optional<std::pair<TlsStream, std::string>>>
NegotiateVeNCryptPlain(Runtime& rt, Listener& l, beast::tcp_stream stream,
                       const std::string& peer) {
  namespace vp = vencrypt_plain;
  std::string in;
  auto fail = [&](std::string_view why) {
    LogNativeRefused(l, peer, why);
    return std::nullopt;
  };
  if (!co_await WriteAll(stream, vp::kRfbVersion) ||
      !co_await ReadExactly(stream, 12, in)) {
    co_return fail("no RFB version");
  }
  if (!vp::IsRfb38(in)) co_return fail("not RFB 3.8");
  if (!co_await WriteAll(stream, vp::kSecurityTypes) ||
      !co_await ReadExactly(stream, 1, in)) {
    co_return fail("no security type");
  }
  if (static_cast<uint8_t>(in[0]) != vp::kVeNCrypt) {
    co_return fail("security type is not VeNCrypt");
  }
  if (!co_await WriteAll(stream, vp::kVeNCryptVersion) ||
      !co_await ReadExactly(stream, 2, in)) {
    co_return fail("no VeNCrypt version");
  }
  if (in != vp::kVeNCryptVersion) co_return fail("not VeNCrypt 0.2");
  if (!co_await WriteAll(stream, vp::kVeNCryptVersionOk) ||
      !co_await WriteAll(stream, vp::kSubtypes) ||
      !co_await ReadExactly(stream, 4, in)) {
    co_return fail("no VeNCrypt subtype");
  }
  if (vp::ParseSubtype(in) != vp::kX509Plain) {
    co_return fail("VeNCrypt subtype is not X509Plain");
  }
  if (!co_await WriteAll(stream, vp::kSubtypeAccepted)) {
    co_return fail("viewer went away");
  }
  TlsStream tls(std::move(stream), *rt.tls);
  beast::error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::server,
                               asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail(absl::StrCat("TLS: ", ec.message()));
  if (!co_await ReadExactly(tls, 8, in)) co_return fail("no Plain lengths");
  const std::optional<vp::PlainLengths> lengths = vp::ParsePlainLengths(in);
  if (!lengths) co_return fail("Plain username or password too long");
  std::string username, password;
  if (!co_await ReadExactly(tls, lengths->username, username) ||
      !co_await ReadExactly(tls, lengths->password, password)) {
    co_return fail("no Plain username or password");
  }
  co_return std::make_pair(std::move(tls), std::move(password));
}

// A VNC viewer with VeNCrypt X509Plain: its password is the credential.
asio::awaitable<void> ServeVeNCrypt(Runtime& rt, Listener& l,
                                    beast::tcp_stream stream,
                                    Connection& conn) {
  const std::string& peer = conn.peer();
  stream.expires_after(ToChrono(rt.options->handshake_timeout));
  auto negotiated =
      co_await NegotiateVeNCryptPlain(rt, l, std::move(stream), peer);
  if (!negotiated) co_return;
  TlsStream& tls = negotiated->first;
  conn.OnClose([&tls] {
    beast::error_code ignored;
    beast::get_lowest_layer(tls).socket().close(ignored);
  });
  const std::string request_id = NewRequestId();
  NativeAdmitted admitted = co_await AdmitNative(
      rt, l, std::move(negotiated->second), peer, request_id);
  if (admitted.rejection) {
    const std::string result =
        vencrypt_plain::SecurityResultFailed(admitted.rejection->phrase);
    co_await WriteAll(tls, result);
    conn.OnClose(nullptr);
    co_return;
  }
  const SpiceTransport plain{false, admitted.record.port};  // VNC: one port
  ConsoleConnection dialed =
      co_await DialConsole(rt, tls.get_executor(), admitted.record.host, plain);
  if (dialed.failure) {
    LogRejection(l, peer, request_id, admitted.token_tag,
                 Reject(ProxyError::kBackendUnreachable, *dialed.failure));
    const std::string result =
        vencrypt_plain::SecurityResultFailed("Console unreachable");
    co_await WriteAll(tls, result);
    conn.OnClose(nullptr);
    co_return;
  }
  conn.OnClose(nullptr);  // RunVncSecurity sets its own
  co_await RunVncSecurity(rt, l, NativeVncViewer(std::move(tls)),
                          std::move(*dialed.socket), admitted.info,
                          admitted.record.host, conn);
}

// `CONNECT /console?token=... HTTP/1.1` inside TLS, then the console's raw
// bytes; or `GET` of a spice-direct URL: its `.vv` file.
asio::awaitable<void> ServeConnect(Runtime& rt, Listener& l, TlsStream stream,
                                   beast::flat_buffer buffer,
                                   Connection& conn) {
  const std::string& peer = conn.peer();
  conn.OnClose([&stream] {
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  });
  http::request_parser<http::empty_body> parser;
  beast::error_code ec;
  co_await ReadRequestHead(rt, stream, buffer, parser, ec);
  if (ec) {
    LogNativeRefused(l, peer, absl::StrCat("CONNECT: ", ec.message()));
    co_return;
  }
  const http::request<http::empty_body>& req = parser.get();
  if (req.method() == http::verb::get && l.spice_direct != nullptr) {
    co_await ServeVirtViewerFile(rt, *l.spice_direct, stream, req, peer);
    co_return;
  }
  if (req.method() != http::verb::connect) {
    co_await WriteSimple(rt, stream, req.version(),
                         http::status::method_not_allowed,
                         "Only CONNECT /console?token=... and GET of a "
                         "spice-direct URL are served here",
                         false, false);
    co_return;
  }
  const std::string request_id = NewRequestId();
  std::string token =
      ExtractConsoleToken(std::string(req.target()), "").value_or("");
  NativeAdmitted admitted =
      co_await AdmitNative(rt, l, std::move(token), peer, request_id);
  if (admitted.rejection) {
    co_await WriteRejection(rt, stream, req.version(), *admitted.rejection);
    co_return;
  }
  const SpiceTransport plain{false, admitted.record.port};  // VNC: one port
  ConsoleConnection dialed = co_await DialConsole(rt, stream.get_executor(),
                                                  admitted.record.host, plain);
  if (dialed.failure) {
    const ProxyRejection r =
        Reject(ProxyError::kBackendUnreachable, *dialed.failure);
    LogRejection(l, peer, request_id, admitted.token_tag, r);
    co_await WriteRejection(rt, stream, req.version(), r);
    co_return;
  }
  static constexpr std::string_view kEstablished =
      "HTTP/1.1 200 Connection established\r\n\r\n";
  if (!co_await WriteAll(stream, kEstablished)) co_return;
  beast::get_lowest_layer(stream).expires_never();
  SessionInfo info = std::move(admitted.info);
  // Bytes the viewer sent after its request head go first; the viewer and
  // QEMU speak RFB from its version on.
  info.to_console = beast::buffers_to_string(buffer.data());
  info.rfb = RfbClientStream::FromVersion(rt.options->viewer_sharing);
  conn.OnClose(nullptr);
  co_await RunRelay(rt, l, RawClient<TlsStream>(std::move(stream)),
                    std::move(*dialed.socket), info, conn);
}

// Waits up to `window` for the client's first byte: true when it sent one,
// false when it stayed silent (or went away: `ec`).
asio::awaitable<bool> ClientSpeaksFirst(beast::tcp_stream& stream,
                                        absl::Duration window,
                                        beast::error_code& ec) {
  struct Wait {
    bool done = false;
    bool expired = false;
  };
  auto wait = std::make_shared<Wait>();
  tcp::socket& socket = stream.socket();
  asio::steady_timer timer(stream.get_executor());
  timer.expires_after(ToChrono(window));
  timer.async_wait([wait, &socket](beast::error_code timer_ec) {
    if (timer_ec || wait->done) return;
    wait->expired = true;
    beast::error_code ignored;
    socket.cancel(ignored);
  });
  co_await socket.async_wait(tcp::socket::wait_read,
                             asio::redirect_error(asio::use_awaitable, ec));
  wait->done = true;
  timer.cancel();
  if (wait->expired) {
    ec = {};
    co_return false;
  }
  co_return !ec;
}

}  // namespace

asio::awaitable<void> ServeNative(Runtime& rt, Listener& l,
                                  beast::tcp_stream stream, Connection& conn) {
  const ProxyOptions& o = *rt.options;
  const std::string& peer = conn.peer();
  if (conn.refusal() != net::Refusal::kNone) {
    LogNativeRefused(l, peer,
                     conn.refusal() == net::Refusal::kTooManyFromPeer
                         ? "too many connections from this address"
                         : "overloaded");
    co_return;
  }
  conn.Busy();
  conn.OnClose([&stream] {
    beast::error_code ignored;
    stream.socket().close(ignored);
  });
  beast::error_code ec;
  const bool spoke =
      co_await ClientSpeaksFirst(stream, o.native.server_first_after, ec);
  if (ec) co_return;
  if (!spoke) {
    co_await ServeVeNCrypt(rt, l, std::move(stream), conn);
    co_return;
  }
  std::array<char, 1> first;
  stream.socket().receive(asio::buffer(first), tcp::socket::message_peek, ec);
  if (ec) co_return;
  beast::flat_buffer buffer;
  if (first[0] == 0x16) {  // a TLS handshake record
    TlsStream tls(std::move(stream), *rt.tls);
    beast::get_lowest_layer(tls).expires_after(ToChrono(o.handshake_timeout));
    co_await tls.async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      LogNativeRefused(l, peer, absl::StrCat("TLS: ", ec.message()));
      co_return;
    }
    // Inside TLS: a SPICE link ("REDQ"), or an HTTP request.
    std::string start;
    if (!co_await ReadExactly(tls, 4, start)) co_return;
    if (start == "REDQ" && l.spice_direct != nullptr) {
      co_await ServeSpiceLink(rt, *l.spice_direct, std::move(tls),
                              std::move(start), conn);
    } else {
      buffer.commit(
          asio::buffer_copy(buffer.prepare(start.size()), asio::buffer(start)));
      co_await ServeConnect(rt, l, std::move(tls), std::move(buffer), conn);
    }
  } else {
    // A plain CONNECT would carry the credential in the clear: never.
    LogNativeRefused(l, peer,
                     first[0] == 'C'
                         ? "plain CONNECT (credentials travel in TLS only)"
                         : "unknown protocol");
  }
}

}  // namespace porthole::controller::proxy_internal
