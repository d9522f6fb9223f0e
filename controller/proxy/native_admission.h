// Internal to controller/proxy: what every way into the native console
// listener shares (VeNCrypt X509Plain and CONNECT for VNC viewers, the
// SPICE link and the `.vv` file for remote-viewer): the admission of a
// one-time credential, the refusal line for clients that leave the
// protocol, and exact reads and writes on a stream.
#ifndef PORTHOLE_CONTROLLER_PROXY_NATIVE_ADMISSION_H_
#define PORTHOLE_CONTROLLER_PROXY_NATIVE_ADMISSION_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <boost/beast/ssl.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/relay_session.h"
#include "controller/proxy/token_session_counter.h"

namespace porthole::controller::proxy_internal {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// What admission gives a native client: where to dial, or why not.
struct NativeAdmitted {
  std::optional<ProxyRejection> rejection;
  std::string token_tag = "-";
  ConsoleAuthRecord record;
  agent::v1::Console console;  // as the re-check found it (SPICE modes)
  std::optional<TokenSessionCounter::Slot> slot;  // held for the session
  SessionInfo info;
};

// The credential attempt limit per client address, the token's session
// slot, then `l`'s ConsoleAdmission on the pool (single use: the
// credential is marked used unless `consume` is false). A refusal is
// logged and audited here, under `l`'s name.
asio::awaitable<NativeAdmitted> AdmitNative(Runtime& rt, const Listener& l,
                                            std::string token,
                                            const std::string& peer,
                                            const std::string& request_id,
                                            bool consume = true);

// One `native connection refused` line: a client that left the protocol
// before it showed a credential.
void LogNativeRefused(const Listener& l, const std::string& peer,
                      std::string_view why);

// Reads exactly `n` bytes into `out`; false on an error or an early end.
template <class Stream>
asio::awaitable<bool> ReadExactly(Stream& stream, size_t n, std::string& out) {
  out.assign(n, '\0');
  beast::error_code ec;
  co_await asio::async_read(stream, asio::buffer(out.data(), n),
                            asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

template <class Stream>
asio::awaitable<bool> WriteAll(Stream& stream, std::string_view bytes) {
  beast::error_code ec;
  co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_NATIVE_ADMISSION_H_
