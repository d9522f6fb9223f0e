// Internal to controller/proxy: remote-viewer on the native console
// listener. Porthole ends each SPICE link itself (TLS with the proxy's
// certificate, its own ticket key) and starts one with QEMU per channel:
// - The main channel (connection id 0) is the session's first: Porthole
//   answers with its own capabilities, reads the ticket (the spice-direct
//   credential), admits it (single use), dials QEMU's port for the main
//   channel, links with QEMU's capabilities checked against what it
//   promised, and binds the session id of QEMU's MAIN_INIT to the client
//   address (SpiceSessionBindings) while the main channel lives.
// - Every other channel names that session id: Porthole dials QEMU first,
//   passes QEMU's capabilities on (with its own key), and admits the
//   channel when its ticket is the credential the main channel used.
// A refusal is the link's own failure (an error in the link reply or the
// link result), a log line and, for credentials, an audit record. Each
// channel is a relayed session of its own, as spice-html5's are.
#ifndef PORTHOLE_CONTROLLER_PROXY_NATIVE_SPICE_H_
#define PORTHOLE_CONTROLLER_PROXY_NATIVE_SPICE_H_

#include <string>

#include "controller/proxy/native_admission.h"

namespace porthole::controller::proxy_internal {

// One SPICE connection after TLS; `read` holds what the client sent
// already (the start of its link header). `l` is the listener's SPICE side.
asio::awaitable<void> ServeSpiceLink(Runtime& rt, const Listener& l,
                                     TlsStream stream, std::string read,
                                     Connection& conn);

// `GET <spice-direct URL>` inside TLS: the `.vv` file for the credential in
// its query (checked like a link would be, not marked used), pointing
// remote-viewer at the host and port the request's Host header names.
asio::awaitable<void> ServeVirtViewerFile(
    Runtime& rt, const Listener& l, TlsStream& stream,
    const http::request<http::empty_body>& req, const std::string& peer);

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_NATIVE_SPICE_H_
