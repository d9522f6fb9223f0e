#include "controller/net/listener.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controller/net/accept_backoff.h"
#include "controller/net/durations.h"
#include "controller/net/peer_address.h"

namespace porthole::controller::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr char kLog[] = "net";

std::string PeerOf(const tcp::socket& socket) {
  error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return "?";
  return NormalisePeerAddress(remote.address().to_string());
}

// Counts a running accept loop; the count drops when the loop returns or
// when its frame is destroyed with the event loop.
class AcceptingScope {
 public:
  AcceptingScope(absl::Mutex& mu, int& count) : mu_(mu), count_(count) {}
  ~AcceptingScope() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  AcceptingScope(const AcceptingScope&) = delete;
  AcceptingScope& operator=(const AcceptingScope&) = delete;

 private:
  absl::Mutex& mu_;
  int& count_;
};

}  // namespace

asio::any_io_executor ConnectionExecutor(EventLoop& loop) {
  if (loop.threads() > 1) {
    return asio::any_io_executor(asio::make_strand(loop.context()));
  }
  return asio::any_io_executor(loop.context().get_executor());
}

// The acceptor and its backoff timer share a strand, so Close() can reach
// them from another thread while the accept loop runs.
struct Listener::Port {
  explicit Port(asio::io_context& io)
      : strand(asio::make_strand(io)), acceptor(strand), backoff(strand) {}

  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
};

Listener::Listener(EventLoop& loop, ConnectionSet& connections,
                   ListenerOptions options, ConnectionHandler handler)
    : loop_(loop),
      connections_(connections),
      options_(std::move(options)),
      handler_(std::move(handler)) {}

Listener::~Listener() { Close(); }

absl::Status Listener::Bind() {
  const HostPort& where = options_.address;
  auto fail = [&](const std::string& why) {
    ports_.clear();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", where.ToString(), ": ", why));
  };
  error_code ec;
  std::vector<tcp::endpoint> endpoints;
  asio::ip::address literal = asio::ip::make_address(where.host, ec);
  if (!ec) {
    endpoints.emplace_back(literal, where.port);
  } else {
    tcp::resolver resolver(loop_.context());
    auto results = resolver.resolve(
        where.host, std::to_string(where.port),
        tcp::resolver::passive | tcp::resolver::numeric_service, ec);
    if (ec) return fail(ec.message());
    for (const auto& entry : results) {
      tcp::endpoint endpoint = entry.endpoint();
      if (std::find(endpoints.begin(), endpoints.end(), endpoint) ==
          endpoints.end()) {
        endpoints.push_back(endpoint);
      }
    }
    if (endpoints.empty()) return fail("no address");
  }

  error_code last;
  for (tcp::endpoint endpoint : endpoints) {
    if (port_ != 0) endpoint.port(port_);  // port 0: one port for all
    auto port = std::make_unique<Port>(loop_.context());
    tcp::acceptor& a = port->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    // A name with both "::" and "0.0.0.0" would clash on a dual-stack
    // socket; a lone IPv6 wildcard stays dual-stack.
    if (!ec && endpoint.protocol() == tcp::v6() && endpoints.size() > 1) {
      a.set_option(asio::ip::v6_only(true), ec);
    }
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      // One family missing on this host (no IPv6) is not fatal for a name
      // that has another; a port in use always is.
      if (endpoints.size() > 1 &&
          (ec == asio::error::address_family_not_supported ||
           ec == boost::system::errc::address_not_available)) {
        LogDebug(kLog, "skipping address ", LogField("listener", options_.name),
                 " ", LogField("address", endpoint.address().to_string()), " ",
                 LogField("error", ec.message()));
        last = ec;
        continue;
      }
      return fail(ec.message());
    }
    if (port_ == 0) port_ = a.local_endpoint().port();
    ports_.push_back(std::move(port));
  }
  if (ports_.empty()) return fail(last.message());
  return absl::OkStatus();
}

void Listener::Start() {
  if (started_) return;
  started_ = true;
  for (auto& port : ports_) {
    {
      absl::MutexLock lock(&mu_);
      ++accepting_;
    }
    asio::co_spawn(port->strand, Accept(*port), asio::detached);
  }
}

void Listener::Close() {
  if (!started_) {
    ports_.clear();
    return;
  }
  if (ports_.empty()) return;
  for (auto& port : ports_) {
    Port* p = port.get();
    asio::post(p->strand, [p] {
      error_code ignored;
      p->acceptor.close(ignored);
      p->backoff.cancel();
    });
  }
  if (loop_.running()) {
    absl::MutexLock lock(&mu_);
    auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return accepting_ == 0;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ended), absl::Seconds(5));
  }
  ports_.clear();
}

asio::awaitable<void> Listener::Accept(Port& port) {
  AcceptingScope scope(mu_, accepting_);
  AcceptBackoff backoff;
  bool paused = false;  // one warning per episode, one line on recovery
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await port.acceptor.async_accept(
        ConnectionExecutor(loop_),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!port.acceptor.is_open()) co_return;
      const absl::Duration pause = backoff.OnError(ec.value());
      if (pause == absl::ZeroDuration()) continue;
      if (!paused) {
        paused = true;
        LogWarning(kLog, "accept failed, pausing ",
                   LogField("listener", options_.name), " ",
                   LogField("error", ec.message()), " ",
                   LogField("pause_ms",
                            std::to_string(absl::ToInt64Milliseconds(pause))));
      }
      port.backoff.expires_after(ToChrono(pause));
      co_await port.backoff.async_wait(
          asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (paused) {
      LogInfo(kLog, "accepting again ", LogField("listener", options_.name),
              " ", LogField("failures", std::to_string(backoff.failures())));
      paused = false;
    }
    backoff.OnSuccess();
    // Counted from here, not from when Run first runs: a drain that starts
    // in between must wait for it too.
    asio::any_io_executor executor = socket.get_executor();
    auto conn =
        std::make_unique<Connection>(connections_, executor, PeerOf(socket));
    asio::co_spawn(executor, Run(std::move(socket), std::move(conn)),
                   asio::detached);
  }
}

asio::awaitable<void> Listener::Run(tcp::socket socket,
                                    std::unique_ptr<Connection> conn) {
  try {
    co_await handler_(std::move(socket), *conn);
  } catch (const std::exception& e) {
    // Beast reports through error codes; only allocation failures and the
    // like land here. One connection ends, the listener goes on.
    LogError(kLog, "connection failed ", LogField("peer", conn->peer()), " ",
             LogField("error", e.what()));
  }
}

}  // namespace porthole::controller::net
