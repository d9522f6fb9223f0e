// Internal to controller/proxy: the RFB security handshake with QEMU over
// real streams, between the client's admission and the relay: the noVNC
// listener's (when `[vnc] auth_schemes` has vencrypt) after the 101, and the
// native listener's after a VNC viewer's credential. RfbSecurityHandshake
// decides every byte; this side only moves them through the client's
// Handshake* hooks (relay_clients.h: each write to a browser is one binary
// WebSocket frame; a native viewer's are scripted), starts TLS to QEMU when
// told, bounds the whole exchange by handshake_timeout, and ends in RunRelay
// over the TCP socket (None) or the TLS stream (VeNCrypt). A failure leaves
// the client the RFB reason the handshake queued (HandshakeFailed) and one
// `console security failed` log line.
#ifndef PORTHOLE_CONTROLLER_PROXY_VNC_SECURITY_SESSION_H_
#define PORTHOLE_CONTROLLER_PROXY_VNC_SECURITY_SESSION_H_

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/logging.h"
#include "controller/proxy/console_tls_client.h"
#include "controller/proxy/console_tls_context.h"
#include "controller/proxy/handshake_deadline.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/relay_session.h"
#include "controller/proxy/rfb_security_handshake.h"

namespace porthole::controller::proxy_internal {

// What QEMU's certificate check said, for the log's cause.
inline RfbSecurityHandshake::TlsError TlsErrorOf(ConsoleTlsStream& tls) {
  switch (CertCheckOf(tls)) {
    case ConsoleCertCheck::kPassed:
      return RfbSecurityHandshake::TlsError::kOther;
    case ConsoleCertCheck::kNameMismatch:
      return RfbSecurityHandshake::TlsError::kNameMismatch;
    case ConsoleCertCheck::kUntrusted:
      return RfbSecurityHandshake::TlsError::kCertUntrusted;
  }
  return RfbSecurityHandshake::TlsError::kOther;
}

// Runs the RFB security handshake between a client and a connected
// console socket, then the relay; see the file comment.
template <class Client>
asio::awaitable<void> RunVncSecurity(Runtime& rt, const Listener& l,
                                     Client client, tcp::socket backend,
                                     const SessionInfo& info,
                                     const std::string& host,
                                     Connection& conn) {
  const ProxyOptions& o = *rt.options;
  const asio::any_io_executor executor = backend.get_executor();
  tcp::socket& client_socket = client.socket();
  std::optional<ConsoleTlsStream> tls;
  std::shared_ptr<asio::ssl::context> context;  // held for the session
  conn.OnClose([&client_socket, &backend, &tls] {
    beast::error_code ignored;
    client_socket.close(ignored);
    (tls ? tls->next_layer() : backend).close(ignored);
  });
  asio::steady_timer timer(executor);
  std::shared_ptr<HandshakeDeadline> deadline =
      ArmHandshakeDeadline(timer, o.handshake_timeout);
  // The reason an I/O error is reported with.
  auto why = [&deadline](const beast::error_code& ec) {
    return deadline->expired ? std::string("timed out") : ec.message();
  };

  RfbSecurityHandshake hs(o.vnc);
  bool cert_requested = false;
  std::array<char, 4096> buffer;
  beast::error_code ec;
  for (;;) {
    if (std::string out = hs.TakeToServer(); !out.empty()) {
      deadline->waiting = &backend;
      co_await asio::async_write(backend, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) hs.ServerFailed(why(ec));
    }
    const std::vector<std::string> frames = hs.TakeToClient();
    for (const std::string& frame : frames) {
      deadline->waiting = &client_socket;
      co_await client.HandshakeWrite(asio::buffer(frame), ec);
      if (ec) {
        hs.ClientFailed(why(ec));
        break;
      }
    }
    const RfbSecurityHandshake::State state = hs.state();
    if (state == RfbSecurityHandshake::State::kRelay ||
        state == RfbSecurityHandshake::State::kFailed) {
      break;
    }
    if (state == RfbSecurityHandshake::State::kReadClient) {
      deadline->waiting = &client_socket;
      const size_t n = co_await client.HandshakeRead(asio::buffer(buffer), ec);
      if (ec) {
        hs.ClientFailed(why(ec));
      } else {
        hs.FeedClient(std::string_view(buffer.data(), n));
      }
    } else if (state == RfbSecurityHandshake::State::kReadServer) {
      deadline->waiting = &(tls ? tls->next_layer() : backend);
      const auto want = asio::buffer(
          buffer.data(), std::min(buffer.size(), hs.server_wanted()));
      size_t n = 0;
      if (tls) {
        n = co_await tls->async_read_some(
            want, asio::redirect_error(asio::use_awaitable, ec));
      } else {
        n = co_await backend.async_read_some(
            want, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        hs.ServerFailed(why(ec));
      } else {
        hs.FeedServer(std::string_view(buffer.data(), n));
      }
    } else {  // kStartTls
      context = rt.vencrypt->Current();
      tls.emplace(std::move(backend), *context);
      PrepareConsoleTls(*tls, o.vnc.verify_hostname, host, &cert_requested);
      deadline->waiting = &tls->next_layer();
      co_await tls->async_handshake(
          asio::ssl::stream_base::client,
          asio::redirect_error(asio::use_awaitable, ec));
      if (ec && deadline->expired) {
        hs.ServerFailed("timed out in the TLS handshake");
      } else if (ec) {
        hs.TlsFailed(TlsErrorOf(*tls), cert_requested, TlsErrorText(*tls, ec));
      } else {
        hs.TlsStarted(cert_requested);
      }
    }
  }
  deadline->Finish();
  timer.cancel();
  if (tls) ForgetCertificateRequest(*tls);

  if (hs.state() == RfbSecurityHandshake::State::kFailed) {
    LogWarning(
        kLog, "console security failed ",
        LogField("listener", ProxyKindName(l.kind)), " ",
        LogField("peer", info.peer), " ", LogField("server", info.server), " ",
        LogField("console", info.console), " ",
        LogField("cause", VncSecurityCauseName(hs.cause())), " ",
        LogField("detail", hs.detail()), " ", LogField("token", info.token_tag),
        " ", LogField("request_id", info.request_id));
    beast::error_code ignored;
    (tls ? tls->next_layer() : backend).close(ignored);
    if (hs.cause() != VncSecurityCause::kClientIo) {
      co_await client.HandshakeFailed();  // bounded by the client's timeouts
    }
    conn.OnClose(nullptr);  // it refers to this frame
    co_return;
  }
  if (co_await client.HandshakeDone(); !client_socket.is_open()) {
    beast::error_code ignored;
    (tls ? tls->next_layer() : backend).close(ignored);
    conn.OnClose(nullptr);
    co_return;
  }
  LogDebug(kLog, "console security negotiated ",
           LogField("server", info.server), " ",
           LogField("type", hs.server_type() == 19 ? "vencrypt" : "none"), " ",
           LogField("request_id", info.request_id));
  SessionInfo relay = info;
  relay.to_console = hs.TakeClientSurplus();
  // The browser's next byte is its ClientInit.
  relay.rfb = RfbClientStream::FromClientInit(o.viewer_sharing);
  if (tls) {
    co_await RunRelay(rt, l, std::move(client), std::move(*tls), relay, conn);
  } else {
    co_await RunRelay(rt, l, std::move(client), std::move(backend), relay,
                      conn);
  }
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_VNC_SECURITY_SESSION_H_
