#include "controller/http/http_server.h"

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "controller/net/connection_set.h"
#include "controller/net/durations.h"
#include "controller/net/event_loop.h"
#include "controller/net/http_framing.h"
#include "controller/net/http_framing_beast.h"
#include "controller/net/listener.h"

namespace porthole::controller {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using net::ToChrono;

constexpr char kLog[] = "http";

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
  Impl(HttpServerOptions options, Handler handler, Rejecter reject,
       net::EventLoop* loop)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        reject_(std::move(reject)),
        owned_loop_(loop == nullptr ? std::make_unique<net::EventLoop>()
                                    : nullptr),
        loop_(loop == nullptr ? *owned_loop_ : *loop),
        connections_(Limits(options_)),
        listener_(loop_, connections_, {options_.name, options_.listen},
                  [this](tcp::socket socket, net::Connection& conn) {
                    return Session(std::move(socket), conn);
                  }),
        pool_(static_cast<size_t>(options_.handler_threads)) {}

  ~Impl() { Stop(absl::ZeroDuration()); }

  absl::Status Start() {
    if (absl::Status s = listener_.Bind(); !s.ok()) return s;
    loop_.Start();
    listener_.Start();
    started_ = true;
    return absl::OkStatus();
  }

  uint16_t port() const { return listener_.port(); }

  void Stop(absl::Duration drain) {
    if (stopped_.exchange(true)) return;
    listener_.Close();
    if (started_) connections_.Drain(drain);
    pool_.join();
    if (owned_loop_ != nullptr) owned_loop_->Stop();
  }

 private:
  static net::ConnectionLimits Limits(const HttpServerOptions& options) {
    net::ConnectionLimits limits;
    limits.max_connections = options.max_connections;
    return limits;
  }

  asio::awaitable<void> Session(tcp::socket socket, net::Connection& conn) {
    beast::error_code ec;
    beast::tcp_stream stream(std::move(socket));
    if (conn.refusal() != net::Refusal::kNone) {
      co_await Write(stream, reject_(503, "too many connections"), 11, false);
      co_return;
    }
    conn.OnClose([&stream] {
      beast::error_code ignored;
      stream.socket().close(ignored);
    });
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      // Between requests a stopping server closes the connection at once.
      if (!conn.Idle()) co_return;
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
      parser.body_limit(options_.max_body_bytes);
      stream.expires_after(
          ToChrono(first ? options_.header_timeout : options_.idle_timeout));
      first = false;
      co_await http::async_read_some(
          stream, buffer, parser,
          asio::redirect_error(asio::use_awaitable, ec));
      conn.Busy();
      if (!ec && !parser.is_header_done()) {
        // The idle wait is over: the head must now arrive promptly.
        stream.expires_after(ToChrono(options_.header_timeout));
        co_await http::async_read_header(
            stream, buffer, parser,
            asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!ec) {
        // Before the body is read, and before anything after this head
        // could be taken for the next request (request smuggling).
        const absl::Status framing = net::CheckRequestFraming(
            net::FramingOf(parser.get()), net::BodyRule::kMayHaveBody);
        if (!framing.ok()) {
          LogWarning(kLog, "request refused ", LogField("peer", conn.peer()),
                     " ", LogField("why", std::string(framing.message())));
          const int status = net::FramingErrorStatus(framing);
          co_await Write(
              stream,
              reject_(status, status == 501 ? "Transfer coding not supported."
                                            : "Malformed HTTP request."),
              11, false);
          co_return;
        }
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
          ec == asio::error::eof || ec == asio::error::operation_aborted ||
          ec == asio::error::bad_descriptor) {
        co_return;
      }
      if (ec) {
        co_await Write(stream, reject_(400, "Malformed HTTP request."), 11,
                       false);
        co_return;
      }
      http::request<http::string_body> message = parser.release();
      const unsigned version = message.version();
      const bool keep_alive = message.keep_alive() && !conn.draining();
      // A named request and a named coroutine: GCC 12 destroys a lambda
      // closure with captures twice when it is a temporary in a co_await
      // expression (the crash of the packaged build).
      const HttpRequest request = ToRequest(std::move(message), conn.peer());
      HttpResponse response =
          co_await asio::co_spawn(pool_, Handle(request), asio::use_awaitable);
      const bool written =
          co_await Write(stream, std::move(response), version, keep_alive);
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
  std::unique_ptr<net::EventLoop> owned_loop_;  // when not given one
  net::EventLoop& loop_;
  net::ConnectionSet connections_;
  net::Listener listener_;
  asio::thread_pool pool_;
  bool started_ = false;
  std::atomic<bool> stopped_{false};
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler,
                       Rejecter reject, net::EventLoop* loop)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler),
                                   std::move(reject), loop)) {}

HttpServer::~HttpServer() = default;

absl::Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop(absl::Duration drain) { impl_->Stop(drain); }

}  // namespace porthole::controller
