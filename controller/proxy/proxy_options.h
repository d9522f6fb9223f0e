#ifndef PORTHOLE_CONTROLLER_PROXY_PROXY_OPTIONS_H_
#define PORTHOLE_CONTROLLER_PROXY_PROXY_OPTIONS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "common/option_table.h"
#include "controller/proxy/rfb_client_stream.h"

namespace porthole::controller {

// The three console proxies of Nova, one listener each, and Porthole's
// native console listener (`[native] listen`), whose VNC viewers hold
// xvpvnc credentials and whose SPICE viewers (remote-viewer) hold
// spice-direct ones (kSpiceDirect: the native listener's SPICE side, no
// socket of its own).
enum class ProxyKind { kNoVnc, kSpiceHtml5, kSerial, kXvpVnc, kSpiceDirect };

// "novnc", "spice-html5", "serial", "xvpvnc", "spice-direct": the token
// console_type a listener accepts, and its name in logs.
const char* ProxyKindName(ProxyKind kind);

// The RFB security types the noVNC proxy may use with a console (Nova's
// `[vnc] auth_schemes`), by their RFB numbers.
enum class VncAuthScheme { kNone = 1, kVeNCrypt = 19 };

// How the noVNC proxy reaches QEMU's VNC server. With only kNone (the
// default) it relays bytes untouched and the browser negotiates security
// with QEMU itself. With kVeNCrypt it runs the RFB security handshake in the
// middle (rfb_security_handshake.h): the browser is offered None, QEMU gets
// VeNCrypt X509None and a TLS session with `client_cert`/`client_key`,
// verified against `ca_certs`. Nova's options and semantics, plus
// `verify_hostname` (Porthole; Nova never checks the name).
struct VncSecurityOptions {
  std::vector<VncAuthScheme> auth_schemes{VncAuthScheme::kNone};
  std::string client_key;   // PEM; with client_cert, or neither
  std::string client_cert;  // PEM; with client_key, or neither
  std::string ca_certs;     // PEM; required with kVeNCrypt
  // Check the console certificate's SAN/CN (or IP SAN) against the console
  // host the token and the agent reported.
  bool verify_hostname = false;

  bool Allows(VncAuthScheme scheme) const;
  bool vencrypt() const { return Allows(VncAuthScheme::kVeNCrypt); }
};

// How the spice-html5 proxy reaches QEMU's SPICE server (Porthole; Nova's
// spice-html5 proxy only dials the plain port). With `ca_certs` set, a
// channel libvirt made secure (defaultMode='secure', <channel
// mode='secure'>), every channel of a console without a plain port, and,
// with `require_secure`, every channel that allows it, is dialled on the
// tls port with TLS from byte 0; the browser still speaks plain SPICE over
// the WebSocket. ChooseSpiceTransport (spice_transport.h) decides.
struct SpiceSecurityOptions {
  // Nova's [spice] require_secure (which makes libvirt write
  // defaultMode='secure'): never dial a SPICE plain port.
  bool require_secure = false;
  std::string ca_certs;     // PEM; empty: no TLS to SPICE
  std::string client_cert;  // PEM; with client_key, or neither
  std::string client_key;   // PEM
  // Check the console certificate's SAN/CN (or IP SAN) against the console
  // host the token and the agent reported.
  bool verify_hostname = false;

  bool tls() const { return !ca_certs.empty(); }
};

// Porthole's native console listener (off unless `[native] listen` is set):
// native VNC viewers reach a console there with a one-time xvpvnc
// credential, by VeNCrypt X509Plain (the credential as the password) or an
// HTTP CONNECT /console?token=... tunnel inside TLS; remote-viewer with a
// one-time spice-direct credential as its SPICE password, from the `.vv`
// file served at the spice-direct URL (GET inside TLS). Needs the proxy's
// certificate.
struct NativeOptions {
  std::optional<HostPort> listen;
  // PEM file of the CA that remote-viewer should trust for the proxy's
  // certificate, written into each `.vv` file; "": none (the viewer's own
  // trust store).
  std::string ca_file;
  // Credential attempts a client address may make a minute (a burst of as
  // many); beyond, refused unchecked. 0: no limit.
  int attempts_per_minute = 10;
  // A client that sends nothing within this long is taken for a VNC viewer
  // waiting for the server's RFB version; one that speaks first is a TLS
  // ClientHello (then an HTTP CONNECT inside).
  absl::Duration server_first_after = absl::Milliseconds(300);
};

struct ProxyListenerOptions {
  // Off: the listener is not opened. The controller also turns it off when
  // the console type itself is disabled (`[vnc] enabled`, ...).
  bool enabled = true;
  HostPort listen;
  std::string web_root;  // static client files; empty: none (serial)
};

// Everything the console proxies can be told. Defaults are Nova's where
// Nova has the option; AddProxyOptions names the INI keys.
struct ProxyOptions {
  ProxyListenerOptions novnc{true, {"0.0.0.0", 6080}, "/usr/share/novnc"};
  ProxyListenerOptions spice{true, {"0.0.0.0", 6082}, "/usr/share/spice-html5"};
  ProxyListenerOptions serial{true, {"0.0.0.0", 6083}, ""};

  // TLS, as Nova's [DEFAULT] cert/key/ssl_only: with a certificate, each
  // listener tells TLS from plain connections by their first byte; with
  // ssl_only, plain ones are refused. Empty cert: plain only.
  std::string cert;
  std::string key;  // empty: the key is in the cert file
  bool ssl_only = false;

  // Origin check: host names allowed besides the request's own Host, and
  // the addresses (IPs or CIDRs) whose X-Forwarded-Host/-Proto are believed.
  std::vector<std::string> allowed_origins;
  std::vector<std::string> trusted_proxies;

  // Cut a session when its token expires (Nova's [consoleauth]).
  bool enforce_session_timeout = false;
  // A console URL admits one session only (Porthole's [consoleauth]); off:
  // sessions until it expires, as Nova (page reloads, noVNC's reconnect).
  bool single_use = false;

  // A ping is sent after this long without a frame from the client; a
  // client silent for twice as long is dropped. Well under the 60 s idle
  // limit of common load balancers.
  absl::Duration keepalive_interval = absl::Seconds(20);
  // No user input for this long ends a session (close 4004); zero: no
  // limit. Input: a VNC client's KeyEvent, PointerEvent and ClientCutText
  // (RfbClientStream), any client byte on SPICE and serial; never what the
  // console sends.
  absl::Duration idle_timeout = absl::ZeroDuration();
  // A session ends this long after it started (close 4007); zero: never.
  absl::Duration max_session_duration = absl::ZeroDuration();
  absl::Duration connect_timeout = absl::Seconds(5);  // TCP to the console
  // The port re-check reads the fleet's inventory when the server's agent
  // confirmed it (a heartbeat) within this long, else asks the agent
  // (GetConsole). Zero: always ask the agent.
  absl::Duration recheck_inventory_max_age = absl::Seconds(3);
  // The request head (and the TLS handshake) must arrive within this.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // What the controller passes to ConsoleProxy::Stop on SIGTERM.
  absl::Duration drain_time = absl::Seconds(10);
  size_t max_connections = 1024;  // beyond: 503 before the upgrade
  // Shares of that pool (0: no cap), so that one console URL or one client
  // cannot starve every tenant: sessions (and upgrades being decided) per
  // console token, and open connections per client address (an IPv6 /64;
  // trusted_proxies are exempt, they carry many clients). Beyond: 429.
  size_t max_sessions_per_token = 8;
  size_t max_connections_per_client = 64;
  size_t max_message_bytes = 1024 * 1024;  // a larger client message: close
  int admission_threads = 4;               // token store and agent calls block

  VncSecurityOptions vnc;  // [vnc] auth_schemes and the VeNCrypt files
  // [vnc] viewer_sharing: ClientInit's shared-flag as QEMU gets it.
  ViewerSharing viewer_sharing = ViewerSharing::kShared;
  SpiceSecurityOptions spice_security;  // [spice] require_secure, tls_*
  NativeOptions native;                 // [native]
};

// Declares every proxy option in `table`, storing into `options`, which
// must outlive the table. Only keys that belong to the proxy; the console
// type switches (`[vnc] enabled`, ...) and base URLs are the API's.
void AddProxyOptions(OptionTable* table, ProxyOptions* options);

// The combinations a table cannot refuse key by key: VeNCrypt without a CA,
// a client certificate without its key (or the reverse), hostname checks
// without VeNCrypt; the same for [spice] require_secure / tls_*.
// InvalidArgument naming the options; the controller exits 2 on it. Whether the
// files can be read is checked at ConsoleProxy::Start.
absl::Status ValidateProxyOptions(const ProxyOptions& options);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_PROXY_OPTIONS_H_
