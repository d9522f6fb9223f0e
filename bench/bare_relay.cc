// bare_relay: the lower bound proxy_bench measures Porthole's proxy against.
// A single-threaded Beast WebSocket -> TCP relay that does no security work
// at all: no token, no Origin check, no store, no agent re-check, no limits.
// Every accepted WebSocket is relayed to the one backend given on the
// command line, with the same framing choices as Porthole's relay (binary
// frames, auto_fragment off, one read per frame, TCP_NODELAY both ways), so
// the difference between the two is what Porthole's own work costs.
//
//   bare_relay LISTEN_PORT BACKEND_PORT    (both on 127.0.0.1)

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <memory>
#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kReadBytes = 64 * 1024;

struct Pair {
  explicit Pair(tcp::socket client, tcp::socket console)
      : ws(std::move(client)), backend(std::move(console)) {}
  websocket::stream<beast::tcp_stream> ws;
  tcp::socket backend;
};

asio::awaitable<void> Down(std::shared_ptr<Pair> p) {
  std::string buffer(kReadBytes, '\0');
  beast::error_code ec;
  for (;;) {
    const size_t n = co_await p->backend.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await p->ws.async_write(asio::buffer(buffer.data(), n),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  p->ws.next_layer().close();
  p->backend.close(ec);
}

asio::awaitable<void> Up(std::shared_ptr<Pair> p) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    co_await p->ws.async_read(buffer,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(p->backend, buffer.data(),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    buffer.consume(buffer.size());
  }
  p->backend.close(ec);
  p->ws.next_layer().close();
}

asio::awaitable<void> Serve(tcp::socket client, uint16_t backend_port) {
  auto executor = co_await asio::this_coro::executor;
  beast::error_code ec;
  tcp::socket backend(executor);
  const tcp::endpoint console(asio::ip::address_v4::loopback(), backend_port);
  co_await backend.async_connect(console,
                                 asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  backend.set_option(tcp::no_delay(true), ec);
  client.set_option(tcp::no_delay(true), ec);
  auto pair = std::make_shared<Pair>(std::move(client), std::move(backend));
  pair->ws.set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::sec_websocket_protocol, "binary");
      }));
  pair->ws.auto_fragment(false);
  pair->ws.binary(true);
  co_await pair->ws.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  asio::co_spawn(executor, Down(pair), asio::detached);
  co_await Up(pair);
}

asio::awaitable<void> Accept(tcp::acceptor& acceptor, uint16_t backend_port) {
  for (;;) {
    beast::error_code ec;
    tcp::socket client = co_await acceptor.async_accept(
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) continue;
    asio::co_spawn(acceptor.get_executor(),
                   Serve(std::move(client), backend_port), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bare_relay LISTEN_PORT BACKEND_PORT\n");
    return 2;
  }
  const auto listen_port = static_cast<uint16_t>(std::stoi(argv[1]));
  const auto backend_port = static_cast<uint16_t>(std::stoi(argv[2]));
  asio::io_context io(1);
  tcp::acceptor acceptor(
      io, tcp::endpoint(asio::ip::address_v4::loopback(), listen_port));
  acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(io, Accept(acceptor, backend_port), asio::detached);
  io.run();
  return 0;
}
