#include "controller/proxy/console_proxy.h"

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <sys/time.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/proxy/origin_policy.h"
#include "controller/proxy/proxy_connection.h"

namespace porthole::controller {

namespace asio = proxy_internal::asio;
namespace beast = proxy_internal::beast;
using proxy_internal::ConnectionScope;
using proxy_internal::kLog;
using proxy_internal::Listener;
using proxy_internal::Runtime;
using proxy_internal::ServePlain;
using proxy_internal::ServeTls;
using proxy_internal::SteadyClock;
using proxy_internal::tcp;
using proxy_internal::ToChrono;

namespace proxy_internal {

asio::awaitable<void> ServePlain(Runtime& rt, Listener& listener,
                                 beast::tcp_stream stream,
                                 beast::flat_buffer buffer, std::string peer,
                                 ConnectionScope& scope) {
  co_await ServeHttp(rt, listener, std::move(stream), std::move(buffer),
                     std::move(peer), scope);
}

}  // namespace proxy_internal

namespace {

int64_t SystemUnixSeconds() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return tv.tv_sec;
}

// "1.2.3.4" for an IPv4 peer of a dual-stack listener, not "::ffff:1.2.3.4".
std::string PeerAddress(const tcp::socket& socket) {
  beast::error_code ec;
  asio::ip::address address = socket.remote_endpoint(ec).address();
  if (ec) return "?";
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return address.to_string();
}

}  // namespace

class ConsoleProxy::Impl {
 public:
  Impl(ProxyOptions options, TokenStore* store, ServerDirectory* directory,
       Clock clock)
      : options_(std::move(options)),
        store_(store),
        directory_(directory),
        pool_(static_cast<size_t>(std::max(1, options_.admission_threads))) {
    runtime_.options = &options_;
    runtime_.clock = clock ? std::move(clock) : Clock(SystemUnixSeconds);
    io_.emplace();
    runtime_.io = &*io_;
    runtime_.pool = &pool_;
  }

  ~Impl() { Stop(absl::ZeroDuration()); }

  absl::Status Start() {
    absl::StatusOr<OriginPolicy> origins = OriginPolicy::Create(
        options_.allowed_origins, options_.trusted_proxies);
    if (!origins.ok()) return origins.status();
    origins_.emplace(*std::move(origins));
    if (absl::Status s = LoadTls(); !s.ok()) return s;

    const std::pair<ProxyKind, const ProxyListenerOptions*> kinds[] = {
        {ProxyKind::kNoVnc, &options_.novnc},
        {ProxyKind::kSpiceHtml5, &options_.spice},
        {ProxyKind::kSerial, &options_.serial}};
    for (const auto& [kind, config] : kinds) {
      if (!config->enabled) continue;
      auto listener = std::make_unique<Listener>();
      listener->kind = kind;
      listener->config = config;
      listener->admission = std::make_unique<ConsoleAdmission>(
          kind, store_, directory_, &*origins_, runtime_.clock);
      if (absl::Status s = Listen(*listener); !s.ok()) {
        listeners_.clear();
        return s;
      }
      LogInfo(
          kLog, "listening ", LogField("listener", ProxyKindName(kind)), " ",
          LogField("address",
                   HostPort{config->listen.host, listener->port}.ToString()),
          " ",
          LogField("tls", tls_ ? (options_.ssl_only ? "only" : "also") : "no"));
      listeners_.push_back(std::move(listener));
    }
    for (auto& listener : listeners_) {
      asio::co_spawn(*io_, Accept(*listener), asio::detached);
    }
    thread_ = std::thread([this] { io_->run(); });
    started_ = true;
    return absl::OkStatus();
  }

  void Stop(absl::Duration drain) {
    if (!started_ || stopped_.exchange(true)) return;
    asio::post(*io_, [this] {
      for (auto& listener : listeners_) {
        beast::error_code ignored;
        listener->acceptor->close(ignored);
      }
    });
    auto wait_for_no_connections = [this](absl::Duration span) {
      const auto deadline = SteadyClock::now() + ToChrono(span);
      while (runtime_.connections.load() > 0 && SteadyClock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    };
    wait_for_no_connections(drain);
    if (runtime_.connections.load() > 0) {
      LogInfo(
          kLog, "drain time over, closing ",
          LogField("connections", std::to_string(runtime_.connections.load())));
    }
    asio::post(*io_, [this] {
      // A closer may end its connection at once: copy before calling.
      std::vector<std::function<void()>> closers;
      for (auto& [id, closer] : runtime_.closers) closers.push_back(closer);
      for (auto& closer : closers) closer();
    });
    // Close frames and the console sockets' FINs, briefly.
    wait_for_no_connections(absl::Seconds(1));
    io_->stop();
    if (thread_.joinable()) thread_.join();
    pool_.join();
    // Whatever did not end by itself (a client that never answered the close)
    // ends here: destroying the context destroys its coroutines and with
    // them their sockets. The acceptors go first; they need the context.
    listeners_.clear();
    io_.reset();
  }

  uint16_t port(ProxyKind kind) const {
    for (const auto& listener : listeners_) {
      if (listener->kind == kind) return listener->port;
    }
    return 0;
  }
  size_t connections() const { return runtime_.connections.load(); }
  size_t sessions() const { return runtime_.sessions.load(); }

 private:
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

  absl::Status Listen(Listener& l) {
    const HostPort& where = l.config->listen;
    auto fail = [&](const std::string& why) {
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", where.ToString(), ": ", why));
    };
    beast::error_code ec;
    asio::ip::address address = asio::ip::make_address(where.host, ec);
    if (ec) {
      tcp::resolver resolver(*io_);
      auto results =
          resolver.resolve(where.host, "", tcp::resolver::passive, ec);
      if (ec || results.empty()) {
        return fail(ec ? ec.message() : "no address");
      }
      address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, where.port);
    l.acceptor.emplace(*io_);
    l.acceptor->open(endpoint.protocol(), ec);
    if (!ec) l.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l.acceptor->bind(endpoint, ec);
    if (!ec) l.acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ec.message());
    l.port = l.acceptor->local_endpoint().port();
    return absl::OkStatus();
  }

  asio::awaitable<void> Accept(Listener& l) {
    asio::steady_timer backoff(*io_);
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await l.acceptor->async_accept(
          asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!l.acceptor->is_open()) co_return;
        // EMFILE and friends: breathe, then keep accepting.
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(
            asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      asio::co_spawn(*io_, Serve(l, std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(Listener& l, tcp::socket socket) {
    ConnectionScope scope(runtime_);
    std::string peer = PeerAddress(socket);
    beast::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    if (tls_) {
      scope.OnClose([&stream] {
        beast::error_code ignored;
        stream.socket().close(ignored);
      });
      stream.expires_after(ToChrono(options_.handshake_timeout));
      bool is_tls = co_await beast::async_detect_ssl(
          stream, buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (is_tls) {
        co_await ServeTls(runtime_, l, std::move(stream), std::move(buffer),
                          std::move(peer), scope);
        co_return;
      }
      if (options_.ssl_only) {
        LogWarning(kLog, "plain connection refused (ssl_only) ",
                   LogField("listener", ProxyKindName(l.kind)), " ",
                   LogField("peer", peer));
        co_return;
      }
    }
    co_await ServePlain(runtime_, l, std::move(stream), std::move(buffer),
                        std::move(peer), scope);
  }

  const ProxyOptions options_;
  TokenStore* const store_;
  ServerDirectory* const directory_;
  std::optional<OriginPolicy> origins_;
  // Declared before io_: coroutine frames destroyed with io_ still touch
  // the counters and closers.
  Runtime runtime_;
  std::optional<asio::io_context> io_;  // reset by Stop
  asio::thread_pool pool_;
  std::optional<asio::ssl::context> tls_;
  // Declared after io_: acceptors close before the context goes.
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::thread thread_;
  bool started_ = false;
  std::atomic<bool> stopped_{false};
};

ConsoleProxy::ConsoleProxy(ProxyOptions options, TokenStore* store,
                           ServerDirectory* directory, Clock clock)
    : impl_(std::make_unique<Impl>(std::move(options), store, directory,
                                   std::move(clock))) {}

ConsoleProxy::~ConsoleProxy() = default;

absl::Status ConsoleProxy::Start() { return impl_->Start(); }
void ConsoleProxy::Stop(absl::Duration drain) { impl_->Stop(drain); }
uint16_t ConsoleProxy::port(ProxyKind kind) const { return impl_->port(kind); }
size_t ConsoleProxy::connections() const { return impl_->connections(); }
size_t ConsoleProxy::sessions() const { return impl_->sessions(); }

}  // namespace porthole::controller
