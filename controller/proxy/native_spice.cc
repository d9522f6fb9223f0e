#include "controller/proxy/native_spice.h"

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "controller/proxy/console_dial.h"
#include "controller/proxy/spice_channel_session.h"
#include "controller/proxy/spice_link.h"
#include "controller/proxy/spice_link_io.h"
#include "controller/proxy/spice_session_bindings.h"
#include "controller/proxy/spice_ticket.h"
#include "controller/proxy/static_file_reply.h"
#include "controller/proxy/token_source.h"
#include "controller/proxy/virt_viewer_file.h"
#include "controller/proxy/websocket_upgrade.h"
#include "controller/tokens/console_token.h"

namespace porthole::controller::proxy_internal {
namespace {

// What Porthole announces on a main channel before it knows the console:
// the ticket (with the choice of it) and the mini header; on the main
// channel, the server's name and UUID and the agent's tokens, which every
// QEMU since SPICE 0.12 has. Never migration: a migrating console would
// send the viewer to the hypervisor's address.
const sl::Caps& PortholeCommonCaps() {
  static const sl::Caps caps = sl::CapsOf(
      {sl::kCapAuthSelection, sl::kCapAuthSpice, sl::kCapMiniHeader});
  return caps;
}
const sl::Caps& PortholeMainCaps() {
  static const sl::Caps caps =
      sl::CapsOf({1 /* NAME_AND_UUID */, 2 /* AGENT_CONNECTED_TOKENS */});
  return caps;
}

void LogSpiceFailed(const Listener& l, const SessionInfo& info,
                    std::string_view why) {
  LogWarning(kLog, "spice link failed ",
             LogField("listener", ProxyKindName(l.kind)), " ",
             LogField("peer", info.peer), " ", LogField("server", info.server),
             " ", LogField("console", info.console), " ",
             LogField("detail", std::string(why)), " ",
             LogField("token", info.token_tag), " ",
             LogField("request_id", info.request_id));
}

// The main channel after admission and the dial: the console's link, the
// session bound, the relay.
template <class Backend>
asio::awaitable<void> RelayMainChannel(Runtime& rt, const Listener& l,
                                       TlsStream& stream, Backend backend,
                                       const sl::LinkMessage& forwarded,
                                       const NativeAdmitted& admitted,
                                       Connection& conn) {
  const SessionInfo& info = admitted.info;
  std::string why;
  uint32_t session = 0;
  std::optional<std::string> first;
  {
    ConsoleLinkDeadline deadline(backend, rt.options->handshake_timeout);
    // clang-tidy 14 reads the co_await below as a use of `stream` after
    // the relay's move (a coroutine's control flow): it never touches it.
    std::optional<sl::LinkReply> reply =
        co_await StartConsoleLink(  // NOLINT(bugprone-use-after-move)
            backend, forwarded, &why);
    if (reply && reply->error != sl::kOk) {
      why = absl::StrCat("console's link reply error ", reply->error);
      reply.reset();
    }
    // What the viewer was promised must hold on the console's side.
    const sl::Caps mini =
        sl::Intersect(forwarded.common_caps, sl::CapsOf({sl::kCapMiniHeader}));
    if (reply &&
        (!sl::Missing(mini, reply->common_caps).empty() ||
         !sl::Missing(forwarded.channel_caps, reply->channel_caps).empty())) {
      why = "console lacks a SPICE capability Porthole announced";
      reply.reset();
    }
    if (reply && co_await FinishConsoleLink(backend, forwarded.common_caps,
                                            *reply, &why) == sl::kOk) {
      const bool mini_header =
          sl::HasCap(forwarded.common_caps, sl::kCapMiniHeader);
      first = co_await ReadUntilMainInit(backend, mini_header, &session, &why);
    }
  }
  if (!first) {
    LogSpiceFailed(l, info, why);
    co_await WriteResult(stream, sl::kError);
    co_return;
  }
  const std::string ok = sl::EncodeU32(sl::kOk);
  if (!co_await WriteAll(stream, ok) || !co_await WriteAll(stream, *first)) {
    co_return;
  }
  const bool bound = rt.spice_sessions->Bind(
      session, {info.peer, admitted.record, admitted.console});
  beast::get_lowest_layer(stream).expires_never();
  conn.OnClose(nullptr);  // the relay sets its own
  co_await RunRelay(rt, l, RawClient<TlsStream>(std::move(stream)),
                    std::move(backend), info, conn);
  if (bound) rt.spice_sessions->Unbind(session);
}

asio::awaitable<void> LinkMainChannel(Runtime& rt, const Listener& l,
                                      TlsStream& stream,
                                      const sl::LinkMessage& link,
                                      Connection& conn) {
  const std::string& peer = conn.peer();
  if (link.channel_type != sl::kMainChannel) {
    LogNativeRefused(l, peer, "a SPICE channel without a session");
    co_await WriteReplyError(stream, sl::kBadConnectionId);
    co_return;
  }
  sl::LinkReply reply;
  reply.public_key = rt.spice_ticket_key->public_key();
  reply.common_caps = PortholeCommonCaps();
  reply.channel_caps = PortholeMainCaps();
  const std::string reply_bytes = sl::EncodeLinkReply(reply);
  if (!co_await WriteAll(stream, reply_bytes)) co_return;
  std::string why;
  std::optional<std::string> credential = co_await ReadTicket(
      rt, stream, sl::ClientSelectsAuth(link.common_caps, reply.common_caps),
      &why);
  if (!credential) {
    LogNativeRefused(l, peer, why);
    co_await WriteResult(stream, sl::kPermissionDenied);
    co_return;
  }
  NativeAdmitted admitted =
      co_await AdmitNative(rt, l, std::move(*credential), peer, NewRequestId());
  if (admitted.rejection) {
    co_await WriteResult(stream, sl::kPermissionDenied);
    co_return;
  }
  ConsoleConnection dialed = co_await DialSpiceChannel(
      rt, stream.get_executor(), admitted.record, admitted.console,
      sl::kMainChannel, &admitted.info);
  if (dialed.failure) {
    LogSpiceFailed(l, admitted.info, *dialed.failure);
    co_await WriteResult(stream, sl::kError);
    co_return;
  }
  sl::LinkMessage forwarded = link;
  forwarded.common_caps = sl::Intersect(link.common_caps, PortholeCommonCaps());
  forwarded.channel_caps = sl::Intersect(link.channel_caps, PortholeMainCaps());
  if (dialed.tls) {
    co_await RelayMainChannel(rt, l, stream, std::move(*dialed.tls), forwarded,
                              admitted, conn);
  } else {
    co_await RelayMainChannel(rt, l, stream, std::move(*dialed.socket),
                              forwarded, admitted, conn);
  }
}

// Another channel of a bound session, after the dial: the console's
// capabilities passed on under Porthole's key, the ticket checked against
// the session's credential, the console's link finished, the relay.
template <class Backend>
asio::awaitable<void> RelayOtherChannel(Runtime& rt, const Listener& l,
                                        TlsStream& stream, Backend backend,
                                        const sl::LinkMessage& link,
                                        const SpiceSessionBinding& binding,
                                        SessionInfo info, Connection& conn) {
  std::string why;
  sl::LinkMessage forwarded = link;
  forwarded.common_caps = sl::Intersect(link.common_caps, PortholeCommonCaps());
  std::optional<sl::LinkReply> reply;
  {
    ConsoleLinkDeadline deadline(backend, rt.options->handshake_timeout);
    // As in RelayMainChannel: `stream` is not used here.
    reply = co_await StartConsoleLink(  // NOLINT(bugprone-use-after-move)
        backend, forwarded, &why);
  }
  if (!reply || reply->error != sl::kOk) {
    if (reply) why = absl::StrCat("console's link reply error ", reply->error);
    LogSpiceFailed(l, info, why);
    co_await WriteReplyError(stream, reply ? reply->error : sl::kError);
    co_return;
  }
  sl::LinkReply to_client = *reply;
  to_client.public_key = rt.spice_ticket_key->public_key();
  to_client.common_caps =
      sl::Intersect(reply->common_caps, PortholeCommonCaps());
  const std::string reply_bytes = sl::EncodeLinkReply(to_client);
  if (!co_await WriteAll(stream, reply_bytes)) co_return;
  std::optional<std::string> credential = co_await ReadTicket(
      rt, stream,
      sl::ClientSelectsAuth(link.common_caps, to_client.common_caps), &why);
  if (!credential ||
      HashConsoleToken(*credential) != binding.record.token_hash) {
    LogAndAuditRefusal(
        rt, l, info.peer, info.peer, "", info.request_id, info.token_tag,
        Reject(ProxyError::kTokenInvalid,
               credential ? "not the credential of this SPICE session" : why));
    co_await WriteResult(stream, sl::kPermissionDenied);
    co_return;
  }
  uint32_t result = sl::kError;
  {
    ConsoleLinkDeadline deadline(backend, rt.options->handshake_timeout);
    result = co_await FinishConsoleLink(backend, forwarded.common_caps, *reply,
                                        &why);
  }
  const std::string result_bytes = sl::EncodeU32(result);
  if (!co_await WriteAll(stream, result_bytes)) co_return;
  if (result != sl::kOk) {
    LogSpiceFailed(l, info, why);
    co_return;
  }
  beast::get_lowest_layer(stream).expires_never();
  conn.OnClose(nullptr);  // the relay sets its own
  co_await RunRelay(rt, l, RawClient<TlsStream>(std::move(stream)),
                    std::move(backend), info, conn);
}

asio::awaitable<void> LinkOtherChannel(Runtime& rt, const Listener& l,
                                       TlsStream& stream,
                                       const sl::LinkMessage& link,
                                       Connection& conn) {
  const std::string& peer = conn.peer();
  std::optional<SpiceSessionBinding> binding =
      rt.spice_sessions->Find(link.connection_id, peer);
  if (!binding) {
    LogNativeRefused(l, peer, "unknown SPICE session");
    co_await WriteReplyError(stream, sl::kBadConnectionId);
    co_return;
  }
  const std::string tag = binding->record.token_hash.substr(0, 8);
  SessionInfo info = SessionInfoFor(binding->record, tag, peer, NewRequestId());
  ConsoleConnection dialed =
      co_await DialSpiceChannel(rt, stream.get_executor(), binding->record,
                                binding->console, link.channel_type, &info);
  if (dialed.failure) {
    LogSpiceFailed(l, info, *dialed.failure);
    co_await WriteReplyError(stream, sl::kError);
    co_return;
  }
  if (dialed.tls) {
    co_await RelayOtherChannel(rt, l, stream, std::move(*dialed.tls), link,
                               *binding, info, conn);
  } else {
    co_await RelayOtherChannel(rt, l, stream, std::move(*dialed.socket), link,
                               *binding, info, conn);
  }
}

}  // namespace

asio::awaitable<void> ServeSpiceLink(Runtime& rt, const Listener& l,
                                     TlsStream stream, std::string read,
                                     Connection& conn) {
  const std::string& peer = conn.peer();
  conn.OnClose([&stream] {
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  });
  beast::get_lowest_layer(stream).expires_after(
      ToChrono(rt.options->handshake_timeout));
  std::string why;
  std::optional<std::string> body =
      co_await ReadLinkBody(stream, std::move(read), &why);
  absl::StatusOr<sl::LinkMessage> link =
      body ? sl::ParseLinkMessage(*body)
           : absl::StatusOr<sl::LinkMessage>(absl::InvalidArgumentError(why));
  if (!link.ok()) {
    LogNativeRefused(l, peer, std::string(link.status().message()));
    co_await WriteReplyError(stream, sl::kInvalidData);
  } else if (link->connection_id == 0) {
    co_await LinkMainChannel(rt, l, stream, *link, conn);
  } else {
    co_await LinkOtherChannel(rt, l, stream, *link, conn);
  }
  conn.OnClose(nullptr);  // it refers to this frame
}

asio::awaitable<void> ServeVirtViewerFile(
    Runtime& rt, const Listener& l, TlsStream& stream,
    const http::request<http::empty_body>& req, const std::string& peer) {
  const std::string token =
      ExtractConsoleToken(std::string(req.target()), "").value_or("");
  NativeAdmitted admitted = co_await AdmitNative(
      rt, l, token, peer, NewRequestId(), /*consume=*/false);
  if (admitted.rejection) {
    co_await WriteRejection(rt, stream, req.version(), *admitted.rejection);
    co_return;
  }
  std::optional<HostPort> listener;
  if (auto host = req.find(http::field::host); host != req.end()) {
    listener = ListenerFromHostHeader(std::string(host->value()));
  }
  if (!listener) {
    co_await WriteSimple(rt, stream, req.version(), http::status::bad_request,
                         "A Host header names this listener", false, false);
    co_return;
  }
  VirtViewerConsole console;
  console.listener = *listener;
  console.password = token;
  console.ca_pem = rt.native_ca_pem;
  console.title =
      absl::StrCat("Porthole console ", admitted.record.instance_uuid);
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "porthole");
  res.set(http::field::content_type, kVirtViewerContentType);
  res.set(http::field::content_disposition,
          "attachment; filename=\"console.vv\"");
  res.set(http::field::cache_control, "no-store");
  res.body() = RenderVirtViewerFile(console);
  res.keep_alive(false);
  res.prepare_payload();
  beast::error_code ec;
  co_await http::async_write(stream, res,
                             asio::redirect_error(asio::use_awaitable, ec));
  LogInfo(kLog, "virt-viewer file served ",
          LogField("listener", ProxyKindName(l.kind)), " ",
          LogField("peer", peer), " ",
          LogField("server", admitted.record.instance_uuid), " ",
          LogField("token", admitted.token_tag));
}

}  // namespace porthole::controller::proxy_internal
