#include "controller/proxy/console_proxy.h"

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/net/connection_set.h"
#include "controller/net/event_loop.h"
#include "controller/net/listener.h"
#include "controller/proxy/native_connection.h"
#include "controller/proxy/origin_policy.h"
#include "controller/proxy/proxy_connection.h"

namespace porthole::controller {

namespace asio = proxy_internal::asio;
namespace beast = proxy_internal::beast;
using proxy_internal::Connection;
using proxy_internal::kLog;
using proxy_internal::Listener;
using proxy_internal::Runtime;
using proxy_internal::ServeNative;
using proxy_internal::ServePlain;
using proxy_internal::ServeTls;
using proxy_internal::tcp;
using proxy_internal::ToChrono;

namespace proxy_internal {

asio::awaitable<void> ServePlain(Runtime& rt, Listener& listener,
                                 beast::tcp_stream stream,
                                 beast::flat_buffer buffer, Connection& conn) {
  co_await ServeHttp(rt, listener, std::move(stream), std::move(buffer), conn);
}

}  // namespace proxy_internal

class ConsoleProxy::Impl {
 public:
  Impl(ProxyOptions options, TokenStore* store, ServerDirectory* directory,
       UnixClock clock, net::EventLoop* loop, ProxySessionServices services)
      : options_(std::move(options)),
        store_(store),
        directory_(directory),
        owned_loop_(loop == nullptr ? std::make_unique<net::EventLoop>()
                                    : nullptr),
        loop_(loop == nullptr ? *owned_loop_ : *loop),
        pool_(static_cast<size_t>(std::max(1, options_.admission_threads))),
        token_sessions_(options_.max_sessions_per_token) {
    runtime_.options = &options_;
    runtime_.token_sessions = &token_sessions_;
    runtime_.session_registry = services.registry != nullptr
                                    ? services.registry
                                    : &own_session_registry_;
    runtime_.audit = services.audit;
    runtime_.replica = std::move(services.replica);
    revocations_ = services.revocations;
    runtime_.clock = clock ? std::move(clock) : UnixClock(SystemUnixSeconds);
    runtime_.pool = &pool_;
  }

  ~Impl() { Stop(absl::ZeroDuration()); }

  absl::Status Start() {
    absl::StatusOr<OriginPolicy> origins = OriginPolicy::Create(
        options_.allowed_origins, options_.trusted_proxies);
    if (!origins.ok()) return origins.status();
    origins_.emplace(*std::move(origins));
    runtime_.origins = &*origins_;
    if (absl::Status s = ValidateProxyOptions(options_); !s.ok()) return s;
    if (absl::Status s = LoadTls(); !s.ok()) return s;
    if (options_.novnc.enabled && options_.vnc.vencrypt()) {
      const VncSecurityOptions& v = options_.vnc;
      vencrypt_.emplace(ConsoleTlsFiles{"[vnc] vencrypt_", v.ca_certs,
                                        v.client_cert, v.client_key});
      if (absl::Status s = vencrypt_->Load(); !s.ok()) return s;
      runtime_.vencrypt = &*vencrypt_;
    }
    // spice-html5's consoles, and the native listener's SPICE side.
    if ((options_.spice.enabled || options_.native.listen) &&
        options_.spice_security.tls()) {
      const SpiceSecurityOptions& sp = options_.spice_security;
      spice_tls_.emplace(ConsoleTlsFiles{"[spice] tls_", sp.ca_certs,
                                         sp.client_cert, sp.client_key});
      if (absl::Status s = spice_tls_->Load(); !s.ok()) return s;
      runtime_.spice_tls = &*spice_tls_;
    }
    connections_.emplace(Limits());
    if (options_.native.listen) {
      native_.enabled = true;
      native_.listen = *options_.native.listen;
      if (options_.native.attempts_per_minute > 0) {
        native_attempts_.emplace(
            RateLimit{options_.native.attempts_per_minute,
                      options_.native.attempts_per_minute});
        runtime_.native_attempts = &*native_attempts_;
      }
      if (absl::Status s = StartNativeSpice(); !s.ok()) return s;
    }

    const std::pair<ProxyKind, const ProxyListenerOptions*> kinds[] = {
        {ProxyKind::kNoVnc, &options_.novnc},
        {ProxyKind::kSpiceHtml5, &options_.spice},
        {ProxyKind::kSerial, &options_.serial},
        {ProxyKind::kXvpVnc, &native_}};
    for (const auto& [kind, config] : kinds) {
      if (!config->enabled) continue;
      auto listener = std::make_unique<Listener>();
      Listener* l = listener.get();
      l->kind = kind;
      l->config = config;
      // A native viewer's credential works once, whatever single_use says.
      l->admission = std::make_unique<ConsoleAdmission>(
          kind, store_, directory_, &*origins_, runtime_.clock,
          options_.recheck_inventory_max_age,
          options_.single_use || kind == ProxyKind::kXvpVnc, revocations_);
      if (kind == ProxyKind::kXvpVnc) l->spice_direct = spice_direct_.get();
      l->socket = std::make_unique<net::Listener>(
          loop_, *connections_,
          net::ListenerOptions{ProxyKindName(kind), config->listen},
          [this, l](tcp::socket socket, Connection& conn) {
            return Serve(*l, std::move(socket), conn);
          });
      if (absl::Status s = l->socket->Bind(); !s.ok()) {
        listeners_.clear();
        return s;
      }
      LogInfo(
          kLog, "listening ", LogField("listener", ProxyKindName(kind)), " ",
          LogField("address",
                   HostPort{config->listen.host, l->socket->port()}.ToString()),
          " ",
          LogField("tls", tls_ ? (options_.ssl_only ? "only" : "also") : "no"));
      listeners_.push_back(std::move(listener));
    }
    loop_.Start();
    for (auto& listener : listeners_) listener->socket->Start();
    started_ = true;
    return absl::OkStatus();
  }

  void Stop(absl::Duration drain) {
    if (!started_ || stopped_.exchange(true)) return;
    for (auto& listener : listeners_) listener->socket->Close();
    const size_t open = connections_->size();
    if (open > 0) {
      LogInfo(kLog, "draining ", LogField("connections", std::to_string(open)),
              " ",
              LogField("drain_s", absl::StrCat(absl::ToDoubleSeconds(drain))));
    }
    // Sessions run on for up to `drain`; then each gets a close 1001 and a
    // second for its close frame and the console's FIN.
    if (size_t left = connections_->Drain(drain); left > 0) {
      LogWarning(kLog, "connections still open after the drain ",
                 LogField("connections", std::to_string(left)));
    }
    pool_.join();
    // Whatever did not end by itself (a client that never answered the
    // close) ends with the loop: destroying its context destroys their
    // coroutines and sockets. A shared loop is stopped by its owner.
    if (owned_loop_ != nullptr) owned_loop_->Stop();
  }

  // Both identities are tried, so a bad VeNCrypt file does not keep the
  // SPICE files from reloading; the first error is returned.
  absl::Status ReloadCertificates() {
    absl::Status result;
    if (vencrypt_) {
      absl::Status s = vencrypt_->Load();
      if (s.ok()) LogInfo(kLog, "reloaded the VeNCrypt certificates");
      result.Update(s);
    }
    if (spice_tls_) {
      absl::Status s = spice_tls_->Load();
      if (s.ok()) LogInfo(kLog, "reloaded the SPICE TLS certificates");
      result.Update(s);
    }
    return result;
  }

  uint16_t port(ProxyKind kind) const {
    for (const auto& listener : listeners_) {
      if (listener->kind == kind) return listener->socket->port();
    }
    return 0;
  }
  size_t connections() const { return connections_ ? connections_->size() : 0; }
  size_t sessions() const { return runtime_.sessions.load(); }

  ConsoleSessionRegistry& session_registry() {
    return *runtime_.session_registry;
  }

 private:
  // One pool for the three listeners: [console] max_connections counts
  // them together, max_connections_per_client per client address (not a
  // trusted reverse proxy's: its clients are many).
  net::ConnectionLimits Limits() const {
    net::ConnectionLimits limits;
    limits.max_connections = options_.max_connections;
    limits.max_per_peer = options_.max_connections_per_client;
    const OriginPolicy* origins = &*origins_;
    limits.exempt_peer = [origins](std::string_view peer) {
      return origins->TrustsProxy(peer);
    };
    return limits;
  }

  absl::Status LoadTls() {
    if (options_.cert.empty()) {
      if (options_.ssl_only) {
        return absl::InvalidArgumentError(
            "[DEFAULT] ssl_only needs [DEFAULT] cert");
      }
      return absl::OkStatus();
    }
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(
        asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
        asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls_->use_certificate_chain_file(options_.cert, ec);
    if (!ec) {
      tls_->use_private_key_file(
          options_.key.empty() ? options_.cert : options_.key,
          asio::ssl::context::pem, ec);
    }
    if (ec) {
      tls_.reset();
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load TLS certificate ", options_.cert,
                       options_.key.empty() ? "" : " / " + options_.key, ": ",
                       ec.message()));
    }
    runtime_.tls = &*tls_;
    return absl::OkStatus();
  }

  // The native listener's SPICE side: its admission (spice-direct
  // credentials, single use), ticket key and the CA for `.vv` files.
  absl::Status StartNativeSpice() {
    absl::StatusOr<std::unique_ptr<SpiceTicketKey>> key =
        SpiceTicketKey::Generate();
    if (!key.ok()) return key.status();
    spice_ticket_key_ = *std::move(key);
    runtime_.spice_ticket_key = spice_ticket_key_.get();
    runtime_.spice_sessions = &spice_sessions_;
    if (!options_.native.ca_file.empty()) {
      std::ifstream in(options_.native.ca_file);
      std::stringstream pem;
      pem << in.rdbuf();
      if (!in ||
          pem.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("[native] ca_file ", options_.native.ca_file,
                         ": no PEM certificate there"));
      }
      runtime_.native_ca_pem = pem.str();
    }
    spice_direct_ = std::make_unique<Listener>();
    spice_direct_->kind = ProxyKind::kSpiceDirect;
    spice_direct_->config = &native_;
    spice_direct_->admission = std::make_unique<ConsoleAdmission>(
        ProxyKind::kSpiceDirect, store_, directory_, &*origins_, runtime_.clock,
        options_.recheck_inventory_max_age,
        /*single_use=*/true, revocations_);
    return absl::OkStatus();
  }

  // The proxy's per-connection coroutine: TLS or plain, then HTTP.
  asio::awaitable<void> Serve(Listener& l, tcp::socket socket,
                              Connection& conn) {
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    beast::tcp_stream stream(std::move(socket));
    if (l.kind == ProxyKind::kXvpVnc) {
      co_await ServeNative(runtime_, l, std::move(stream), conn);
      co_return;
    }
    beast::flat_buffer buffer;
    if (tls_) {
      conn.OnClose([&stream] {
        beast::error_code ignored;
        stream.socket().close(ignored);
      });
      stream.expires_after(ToChrono(options_.handshake_timeout));
      bool is_tls = co_await beast::async_detect_ssl(
          stream, buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (is_tls) {
        co_await ServeTls(runtime_, l, std::move(stream), std::move(buffer),
                          conn);
        co_return;
      }
      if (options_.ssl_only) {
        LogWarning(kLog, "plain connection refused (ssl_only) ",
                   LogField("listener", ProxyKindName(l.kind)), " ",
                   LogField("peer", conn.peer()));
        co_return;
      }
    }
    co_await ServePlain(runtime_, l, std::move(stream), std::move(buffer),
                        conn);
  }

  const ProxyOptions options_;
  TokenStore* const store_;
  ServerDirectory* const directory_;
  const AccessRevocations* revocations_ = nullptr;  // may be null
  std::optional<OriginPolicy> origins_;
  Runtime runtime_;
  std::unique_ptr<net::EventLoop> owned_loop_;  // when not given one
  net::EventLoop& loop_;
  asio::thread_pool pool_;
  TokenSessionCounter token_sessions_;
  ConsoleSessionRegistry own_session_registry_;  // when not given one
  std::optional<asio::ssl::context> tls_;
  std::optional<ConsoleTlsContext> vencrypt_;      // [vnc] vencrypt
  std::optional<ConsoleTlsContext> spice_tls_;     // [spice] tls_ca_certs
  std::optional<net::ConnectionSet> connections_;  // made in Start
  ProxyListenerOptions native_{false, {}, ""};     // from [native] listen
  std::optional<RateLimiter> native_attempts_;     // [native] attempts_...
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unique_ptr<Listener> spice_direct_;  // the native listener's SPICE side
  std::unique_ptr<SpiceTicketKey> spice_ticket_key_;
  SpiceSessionBindings spice_sessions_;
  bool started_ = false;
  std::atomic<bool> stopped_{false};
};

ConsoleProxy::ConsoleProxy(ProxyOptions options, TokenStore* store,
                           ServerDirectory* directory, UnixClock clock,
                           net::EventLoop* loop, ProxySessionServices services)
    : impl_(std::make_unique<Impl>(std::move(options), store, directory,
                                   std::move(clock), loop,
                                   std::move(services))) {}

ConsoleProxy::~ConsoleProxy() = default;

absl::Status ConsoleProxy::Start() { return impl_->Start(); }
void ConsoleProxy::Stop(absl::Duration drain) { impl_->Stop(drain); }
absl::Status ConsoleProxy::ReloadCertificates() {
  return impl_->ReloadCertificates();
}
uint16_t ConsoleProxy::port(ProxyKind kind) const { return impl_->port(kind); }
size_t ConsoleProxy::connections() const { return impl_->connections(); }
size_t ConsoleProxy::sessions() const { return impl_->sessions(); }
size_t ConsoleProxy::EndSessions(const std::vector<std::string>& token_hashes) {
  return impl_->session_registry().EndForTokens(token_hashes,
                                                SessionEnd::kTokenRevoked);
}

}  // namespace porthole::controller
