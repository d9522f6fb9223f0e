// Internal to controller/proxy: one connection to the native console
// listener (`[native] listen`), where VNC viewers bring a one-time xvpvnc
// credential instead of a browser's WebSocket. Who speaks first tells the
// two ways in apart: a client silent for `[native] server_first_after` is a
// VNC viewer waiting for the server's version (VeNCrypt X509Plain, the
// credential as the password: vencrypt_plain.h); one that speaks first
// sends a TLS ClientHello, then `CONNECT /console?token=...` (the xvpvnc
// HTTP tunnel; never plain: the credential would travel in the clear).
// Both are admitted like a WebSocket upgrade (ConsoleAdmission, always
// single use, per-address attempt limit, audit) and end in the same relay
// (relay_session.h).
#ifndef PORTHOLE_CONTROLLER_PROXY_NATIVE_CONNECTION_H_
#define PORTHOLE_CONTROLLER_PROXY_NATIVE_CONNECTION_H_

#include "controller/proxy/proxy_runtime.h"

namespace porthole::controller::proxy_internal {

asio::awaitable<void> ServeNative(Runtime& rt, Listener& l,
                                  beast::tcp_stream stream, Connection& conn);

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_NATIVE_CONNECTION_H_
