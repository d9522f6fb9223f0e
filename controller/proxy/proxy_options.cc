#include "controller/proxy/proxy_options.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole::controller {
namespace {

OptionSetter StorePort(HostPort* out) {
  return [out](const std::string& v) -> absl::Status {
    absl::StatusOr<uint16_t> port = ParsePort(v);
    if (!port.ok()) return port.status();
    out->port = *port;
    return absl::OkStatus();
  };
}

// Nova's ListOpt with choices: comma-separated, at least one.
OptionSetter StoreAuthSchemes(std::vector<VncAuthScheme>* out) {
  return [out](const std::string& v) -> absl::Status {
    std::vector<VncAuthScheme> schemes;
    for (std::string_view item : Split(v, ',')) {
      const std::string name = AsciiLower(Trim(item));
      if (name.empty()) continue;
      if (name == "none") {
        schemes.push_back(VncAuthScheme::kNone);
      } else if (name == "vencrypt") {
        schemes.push_back(VncAuthScheme::kVeNCrypt);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("expected none and/or vencrypt, got '", name, "'"));
      }
    }
    if (schemes.empty()) {
      return absl::InvalidArgumentError("expected none and/or vencrypt");
    }
    *out = std::move(schemes);
    return absl::OkStatus();
  };
}

OptionSetter StoreViewerSharing(ViewerSharing* out) {
  return [out](const std::string& v) -> absl::Status {
    for (ViewerSharing choice :
         {ViewerSharing::kShared, ViewerSharing::kExclusive,
          ViewerSharing::kAllowExclusive}) {
      if (AsciiLower(Trim(v)) == ViewerSharingName(choice)) {
        *out = choice;
        return absl::OkStatus();
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "expected shared, exclusive or allow-exclusive, got '", v, "'"));
  };
}

void AddListener(OptionTable* t, const std::string& section,
                 const std::string& prefix, const std::string& flag_prefix,
                 const std::string& what, ProxyListenerOptions* l) {
  t->Add({section, prefix + "_enabled", flag_prefix + "-enabled", "true",
          "open the " + what +
              " proxy listener (Porthole; false when another process "
              "of the same binary runs the proxies)",
          StoreBool(&l->enabled)});
  t->Add({section, prefix + "_host", flag_prefix + "-host", l->listen.host,
          "address the " + what + " proxy listens on",
          StoreString(&l->listen.host)});
  t->Add({section, prefix + "_port", flag_prefix + "-port",
          std::to_string(l->listen.port),
          "port the " + what + " proxy listens on", StorePort(&l->listen)});
}

}  // namespace

bool VncSecurityOptions::Allows(VncAuthScheme scheme) const {
  return std::find(auth_schemes.begin(), auth_schemes.end(), scheme) !=
         auth_schemes.end();
}

const char* ProxyKindName(ProxyKind kind) {
  switch (kind) {
    case ProxyKind::kNoVnc:
      return "novnc";
    case ProxyKind::kSpiceHtml5:
      return "spice-html5";
    case ProxyKind::kSerial:
      return "serial";
    case ProxyKind::kXvpVnc:
      return "xvpvnc";
    case ProxyKind::kSpiceDirect:
      return "spice-direct";
  }
  return "?";
}

void AddProxyOptions(OptionTable* t, ProxyOptions* o) {
  AddListener(t, "vnc", "novncproxy", "novncproxy", "noVNC", &o->novnc);
  t->Add({"vnc", "novnc_web", "novnc-web", o->novnc.web_root,
          "directory of the noVNC client files the noVNC proxy serves",
          StoreString(&o->novnc.web_root)});
  t->Add({"vnc", "auth_schemes", "", "none",
          "RFB security types the noVNC proxy may use with a VNC server, "
          "comma-separated: none, vencrypt (VeNCrypt X509None: TLS to QEMU "
          "with the certificates below; the browser is offered None). With "
          "only none, bytes are relayed untouched. Mixed fleets: "
          "vencrypt,none",
          StoreAuthSchemes(&o->vnc.auth_schemes)});
  t->Add({"vnc", "viewer_sharing", "", "shared",
          "the shared-flag of a VNC client's ClientInit as the noVNC proxy "
          "passes it to the VNC server: shared (forced to 1: one viewer can "
          "never disconnect another), exclusive (forced to 0: a new viewer "
          "disconnects the others) or allow-exclusive (the client's own "
          "flag). A rewrite is logged and audited (Porthole)",
          StoreViewerSharing(&o->viewer_sharing)});
  t->Add({"vnc", "vencrypt_client_key", "", "",
          "PEM private key of vencrypt_client_cert; re-read on SIGHUP",
          StoreString(&o->vnc.client_key)});
  t->Add({"vnc", "vencrypt_client_cert", "", "",
          "PEM client certificate the noVNC proxy shows VNC servers that "
          "verify peers (libvirt's vnc_tls_x509_verify); empty: none; "
          "re-read on SIGHUP",
          StoreString(&o->vnc.client_cert)});
  t->Add({"vnc", "vencrypt_ca_certs", "", "",
          "PEM CA certificates that signed the VNC servers' certificates; "
          "required with vencrypt; re-read on SIGHUP",
          StoreString(&o->vnc.ca_certs)});
  t->Add({"vnc", "vencrypt_verify_hostname", "", "false",
          "also check the VNC server certificate's names (SAN, else CN; an "
          "IP SAN for an address) against the console host the agent "
          "reported; Nova does not (Porthole)",
          StoreBool(&o->vnc.verify_hostname)});
  AddListener(t, "spice", "html5proxy", "html5proxy", "spice-html5", &o->spice);
  t->Add({"spice", "html5_web", "html5-web", o->spice.web_root,
          "directory of the spice-html5 client files the SPICE proxy serves",
          StoreString(&o->spice.web_root)});
  t->Add({"spice", "require_secure", "", "false",
          "reach SPICE consoles on their TLS port only, never a plain one "
          "(Nova's option of the same name makes libvirt require TLS); needs "
          "tls_ca_certs",
          StoreBool(&o->spice_security.require_secure)});
  t->Add({"spice", "tls_ca_certs", "", "",
          "PEM CA certificates that signed the SPICE servers' certificates "
          "(libvirt's spice_tls_x509_cert_dir/ca-cert.pem); set: secure "
          "channels (defaultMode='secure', <channel mode='secure'>) and "
          "consoles without a plain port are reached over TLS on their tls "
          "port; re-read on SIGHUP (Porthole; Nova's spice-html5 proxy has "
          "no TLS)",
          StoreString(&o->spice_security.ca_certs)});
  t->Add({"spice", "tls_client_cert", "", "",
          "PEM client certificate the spice-html5 proxy shows SPICE servers; "
          "empty: none; re-read on SIGHUP (Porthole)",
          StoreString(&o->spice_security.client_cert)});
  t->Add({"spice", "tls_client_key", "", "",
          "PEM private key of tls_client_cert; re-read on SIGHUP (Porthole)",
          StoreString(&o->spice_security.client_key)});
  t->Add({"spice", "tls_verify_hostname", "", "false",
          "also check the SPICE server certificate's names (SAN, else CN; an "
          "IP SAN for an address) against the console host the agent "
          "reported (Porthole)",
          StoreBool(&o->spice_security.verify_hostname)});
  AddListener(t, "serial_console", "serialproxy", "serialproxy",
              "serial console", &o->serial);

  t->Add({"native", "listen", "native-listen", "",
          "host:port of the native console listener: VNC viewers (TigerVNC) "
          "with an xvpvnc credential, by VeNCrypt X509Plain or HTTP CONNECT "
          "/console?token=, and remote-viewer (SPICE) with a spice-direct "
          "credential; needs [DEFAULT] cert; empty: off (Porthole)",
          StoreOptionalHostPort(&o->native.listen, 6081)});
  t->Add({"native", "attempts_per_minute", "", "10",
          "credential attempts one client address may make a minute on the "
          "native listener (as many at once); beyond, refused unchecked; 0: "
          "no limit (Porthole)",
          StoreInteger(&o->native.attempts_per_minute, 0, 100000)});
  t->Add({"native", "ca_file", "", "",
          "PEM CA certificate(s) written into the .vv files of spice-direct "
          "URLs, for remote-viewer to trust the proxy's certificate; empty: "
          "the viewer's own trust store (Porthole)",
          StoreString(&o->native.ca_file)});
  t->Add({"DEFAULT", "cert", "cert", "",
          "PEM certificate of the console proxies; set: TLS is accepted "
          "besides plain connections (Nova's default is self.pem; "
          "Porthole's is none)",
          StoreString(&o->cert)});
  t->Add({"DEFAULT", "key", "key", "",
          "PEM private key of that certificate; empty: inside the cert file",
          StoreString(&o->key)});
  t->Add({"DEFAULT", "ssl_only", "ssl-only", "false",
          "refuse plain (non-TLS) connections to the console proxies",
          StoreBool(&o->ssl_only)});

  t->Add({"console", "allowed_origins", "", "",
          "comma-separated host names a browser Origin may carry besides the "
          "request's own Host",
          StoreList(&o->allowed_origins, true)});
  t->Add({"console", "trusted_proxies", "", "",
          "comma-separated addresses or CIDRs of reverse proxies whose "
          "X-Forwarded-Host and X-Forwarded-Proto are believed (Porthole)",
          StoreList(&o->trusted_proxies, false)});
  t->Add({"console", "keepalive_interval", "", "20",
          "seconds without a frame from the browser before the proxy pings "
          "it; silence for twice as long drops the session (Porthole)",
          StoreDuration(&o->keepalive_interval)});
  t->Add({"console", "idle_timeout", "", "0",
          "seconds without user input before a session is closed (close "
          "4004); input is what the browser sends (VNC: keys, pointer and "
          "clipboard only, so a screen that keeps changing does not count); "
          "0: never (Porthole)",
          StoreDuration(&o->idle_timeout)});
  t->Add({"console", "max_session_duration", "", "0",
          "seconds a console session may last, whatever its activity, "
          "before it is closed (close 4007); 0: no limit (Porthole)",
          StoreDuration(&o->max_session_duration)});
  t->Add({"console", "connect_timeout", "", "5",
          "seconds to connect to a console's host:port (Porthole)",
          StoreDuration(&o->connect_timeout)});
  t->Add({"console", "recheck_inventory_max_age", "", "3",
          "seconds: at connect, a console's host:port is re-checked in the "
          "fleet's inventory when the server's agent confirmed it (a "
          "heartbeat, every second) within this long, else by asking the "
          "agent; 0: always ask the agent (Porthole)",
          StoreDuration(&o->recheck_inventory_max_age)});
  t->Add({"console", "handshake_timeout", "", "10",
          "seconds a client gets to send its request head and finish TLS "
          "(Porthole)",
          StoreDuration(&o->handshake_timeout)});
  t->Add({"console", "drain_time", "", "10",
          "seconds open sessions get to end after SIGTERM before they are "
          "closed (Porthole)",
          StoreDuration(&o->drain_time)});
  t->Add({"console", "max_connections", "", "1024",
          "open connections to all console proxies together; more get 503 "
          "(Porthole)",
          StoreInteger(&o->max_connections, 1, 1000000)});
  t->Add({"console", "max_sessions_per_token", "", "8",
          "WebSocket sessions one console URL may have open at once (a URL "
          "stays reusable until it expires); more get 429 "
          "token-session-limit before the upgrade. 0: no cap (Porthole)",
          StoreInteger(&o->max_sessions_per_token, 0, 1000000)});
  t->Add({"console", "max_connections_per_client", "", "64",
          "open connections to the console proxies from one client address "
          "(an IPv6 /64 counts as one; trusted_proxies are exempt); more get "
          "429 client-connection-limit. 0: no cap (Porthole)",
          StoreInteger(&o->max_connections_per_client, 0, 1000000)});
  t->Add({"console", "max_message_size", "", "1048576",
          "largest WebSocket message a client may send, in bytes (Porthole)",
          StoreInteger(&o->max_message_bytes, 125, 1 << 30)});
  t->Add({"consoleauth", "enforce_session_timeout", "", "false",
          "close a console session when its token expires",
          StoreBool(&o->enforce_session_timeout)});
  t->Add({"consoleauth", "single_use", "", "false",
          "a console URL admits one session only: a second connection with "
          "it (a page reload, noVNC's reconnect) gets 403 token-used before "
          "the upgrade; false: sessions until the URL expires, as Nova. "
          "Holds across replicas sharing an etcd store (Porthole)",
          StoreBool(&o->single_use)});
}

absl::Status ValidateProxyOptions(const ProxyOptions& o) {
  const VncSecurityOptions& v = o.vnc;
  if (v.vencrypt() && v.ca_certs.empty()) {
    return absl::InvalidArgumentError(
        "[vnc] auth_schemes has vencrypt but [vnc] vencrypt_ca_certs is "
        "empty: VeNCrypt needs the CA that signed the VNC servers' "
        "certificates");
  }
  if (v.client_cert.empty() != v.client_key.empty()) {
    return absl::InvalidArgumentError(
        "[vnc] vencrypt_client_cert and vencrypt_client_key go together: set "
        "both or neither");
  }
  if (v.verify_hostname && !v.vencrypt()) {
    return absl::InvalidArgumentError(
        "[vnc] vencrypt_verify_hostname needs vencrypt in [vnc] "
        "auth_schemes");
  }
  const SpiceSecurityOptions& sp = o.spice_security;
  if (sp.require_secure && !sp.tls()) {
    return absl::InvalidArgumentError(
        "[spice] require_secure needs [spice] tls_ca_certs: the CA that "
        "signed the SPICE servers' certificates");
  }
  if (sp.client_cert.empty() != sp.client_key.empty()) {
    return absl::InvalidArgumentError(
        "[spice] tls_client_cert and tls_client_key go together: set both "
        "or neither");
  }
  if ((sp.verify_hostname || !sp.client_cert.empty()) && !sp.tls()) {
    return absl::InvalidArgumentError(
        "[spice] tls_verify_hostname and tls_client_cert need [spice] "
        "tls_ca_certs");
  }
  if (o.native.listen.has_value() && o.cert.empty()) {
    return absl::InvalidArgumentError(
        "[native] listen needs [DEFAULT] cert: a native viewer's credential "
        "travels inside TLS with the proxy's certificate");
  }
  return absl::OkStatus();
}

}  // namespace porthole::controller
