#include "controller/http/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace porthole::controller {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
}

HttpRequest ToRequest(http::request<http::string_body>&& message,
                      const std::string& peer) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()),
                                 std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.peer = peer;
  return request;
}

http::response<http::string_body> ToBeast(HttpResponse&& response,
                                          unsigned version, bool keep_alive) {
  http::response<http::string_body> message;
  message.version(version);
  message.result(static_cast<unsigned>(response.status));
  for (auto& [name, value] : response.headers) message.insert(name, value);
  message.body() = std::move(response.body);
  message.keep_alive(keep_alive);
  message.prepare_payload();
  return message;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Handler handler, Rejecter reject)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        reject_(std::move(reject)),
        acceptor_(io_),
        pool_(static_cast<size_t>(options_.handler_threads)) {}

  ~Impl() { Stop(absl::ZeroDuration()); }

  absl::Status Start() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.listen.host, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot listen on ", options_.listen.ToString(), ": ", ec.message()));
    }
    tcp::endpoint endpoint(address, options_.listen.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on ", options_.listen.ToString(), ": ", ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
    return absl::OkStatus();
  }

  uint16_t port() const { return port_; }

  void Stop(absl::Duration drain) {
    if (stopped_.exchange(true)) return;
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    const auto deadline = std::chrono::steady_clock::now() + ToChrono(drain);
    while (in_flight_.load() > 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    io_.stop();
    if (thread_.joinable()) thread_.join();
    pool_.join();
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(
          asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor_.is_open()) co_return;
        continue;  // EMFILE and friends: keep accepting
      }
      asio::co_spawn(io_, Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::error_code ec;
    std::string peer = socket.remote_endpoint(ec).address().to_string();
    beast::tcp_stream stream(std::move(socket));
    // Counted for the connection limit; decremented on every exit path.
    struct Count {
      std::atomic<size_t>& n;
      explicit Count(std::atomic<size_t>& c) : n(c) { ++n; }
      ~Count() { --n; }
    } count(connections_);
    if (connections_.load() > options_.max_connections) {
      co_await Write(stream, reject_(503, "too many connections"), 11, false);
      co_return;
    }
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      stream.expires_after(
          ToChrono(first ? options_.header_timeout : options_.idle_timeout));
      first = false;
      co_await http::async_read_some(
          stream, buffer, parser,
          asio::redirect_error(asio::use_awaitable, ec));
      if (!ec && !parser.is_header_done()) {
        // The idle wait is over: the head must now arrive promptly.
        stream.expires_after(ToChrono(options_.header_timeout));
        co_await http::async_read_header(
            stream, buffer, parser,
            asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!ec && !parser.is_done()) {
        stream.expires_after(ToChrono(options_.header_timeout));
        co_await http::async_read(
            stream, buffer, parser,
            asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec == http::error::body_limit) {
        co_await Write(stream, reject_(413, "Request is too large."), 11,
                       false);
        co_return;
      }
      if (ec == http::error::header_limit) {
        co_await Write(stream, reject_(431, "Request header fields too large."),
                       11, false);
        co_return;
      }
      if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
          ec == asio::error::eof || ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        co_await Write(stream, reject_(400, "Malformed HTTP request."), 11,
                       false);
        co_return;
      }
      http::request<http::string_body> message = parser.release();
      const unsigned version = message.version();
      const bool keep_alive = message.keep_alive() && !stopped_.load();
      ++in_flight_;
      // A named request and a named coroutine: GCC 12 destroys a lambda
      // closure with captures twice when it is a temporary in a co_await
      // expression (the crash of the packaged build).
      const HttpRequest request = ToRequest(std::move(message), peer);
      HttpResponse response =
          co_await asio::co_spawn(pool_, Handle(request), asio::use_awaitable);
      const bool written =
          co_await Write(stream, std::move(response), version, keep_alive);
      --in_flight_;
      if (!written || !keep_alive) co_return;
    }
  }

  // Runs the handler; co_spawned on the worker pool, as handlers may block.
  asio::awaitable<HttpResponse> Handle(const HttpRequest& request) {
    co_return handler_(request);
  }

  asio::awaitable<bool> Write(beast::tcp_stream& stream, HttpResponse response,
                              unsigned version, bool keep_alive) {
    auto message = ToBeast(std::move(response), version, keep_alive);
    stream.expires_after(ToChrono(options_.header_timeout));
    beast::error_code ec;
    co_await http::async_write(stream, message,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (!keep_alive) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    co_return !ec;
  }

  const HttpServerOptions options_;
  const Handler handler_;
  const Rejecter reject_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::thread_pool pool_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<size_t> connections_{0};
  std::atomic<int> in_flight_{0};
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler,
                       Rejecter reject)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler),
                                   std::move(reject))) {}

HttpServer::~HttpServer() = default;

absl::Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop(absl::Duration drain) { impl_->Stop(drain); }

}  // namespace porthole::controller
