// Internal to controller/proxy: what every connection of one ConsoleProxy
// shares (options, clock, blocking pool, TLS contexts, session count) and the
// proxy's listeners, for the Beast TUs (console_proxy.cc, the plain-TCP
// instantiation, and console_proxy_tls.cc, the TLS one). Written before
// Start, then only read from the event loop's threads (the session count is
// atomic).
#ifndef PORTHOLE_CONTROLLER_PROXY_PROXY_RUNTIME_H_
#define PORTHOLE_CONTROLLER_PROXY_PROXY_RUNTIME_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
#include "controller/proxy/beast_mask_fast_path.h"  // before any read path
// clang-format on
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/rate_limiter.h"
#include "controller/net/connection_set.h"
#include "controller/net/durations.h"
#include "controller/net/listener.h"
#include "controller/proxy/console_admission.h"
#include "controller/proxy/console_proxy.h"
#include "controller/proxy/console_tls_context.h"
#include "controller/proxy/proxy_options.h"
#include "controller/proxy/spice_session_bindings.h"
#include "controller/proxy/spice_ticket.h"
#include "controller/proxy/token_session_counter.h"
#include "controller/sessions/audit_log.h"
#include "controller/sessions/console_session_registry.h"

namespace porthole::controller::proxy_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using net::Connection;
using net::SteadyClock;
using net::ToChrono;

inline constexpr char kLog[] = "proxy";
inline constexpr size_t kRelayBufferBytes = 64 * 1024;
inline constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

// State shared by every connection of one ConsoleProxy.
struct Runtime {
  const ProxyOptions* options = nullptr;
  UnixClock clock;
  asio::thread_pool* pool = nullptr;
  asio::ssl::context* tls = nullptr;  // null: plain only
  TokenSessionCounter* token_sessions = nullptr;
  const OriginPolicy* origins = nullptr;  // set in Start
  ConsoleSessionRegistry* session_registry = nullptr;
  AuditLog* audit = nullptr;  // null: no audit records
  std::string replica;        // this controller's name in the registry
  ConsoleTlsContext* vencrypt = nullptr;   // set with [vnc] vencrypt
  ConsoleTlsContext* spice_tls = nullptr;  // set with [spice] tls_ca_certs
  // The native listener's credential attempts per client address; null:
  // no limit.
  RateLimiter* native_attempts = nullptr;
  // The native listener's SPICE side: its ticket key, the sessions it
  // linked, the CA written into `.vv` files ([native] ca_file's text).
  const SpiceTicketKey* spice_ticket_key = nullptr;
  SpiceSessionBindings* spice_sessions = nullptr;
  std::string native_ca_pem;
  std::atomic<size_t> sessions{0};
};

// One of the proxy's listeners (noVNC, spice-html5, serial, native).
struct Listener {
  ProxyKind kind;
  const ProxyListenerOptions* config;
  std::unique_ptr<ConsoleAdmission> admission;
  std::unique_ptr<net::Listener> socket;  // bound in Start
  // The native listener: its SPICE side (kSpiceDirect, spice-direct
  // credentials; no socket of its own).
  const Listener* spice_direct = nullptr;
};

// Reads one request head (at most kMaxHeaderBytes) into `parser`, within
// [console] handshake_timeout.
template <class Stream>
asio::awaitable<void> ReadRequestHead(
    const Runtime& rt, Stream& stream, beast::flat_buffer& buffer,
    http::request_parser<http::empty_body>& parser, beast::error_code& ec) {
  parser.header_limit(kMaxHeaderBytes);
  beast::get_lowest_layer(stream).expires_after(
      ToChrono(rt.options->handshake_timeout));
  co_await http::async_read_header(
      stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_PROXY_RUNTIME_H_
