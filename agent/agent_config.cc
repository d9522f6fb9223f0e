#include "agent/agent_config.h"

#include "absl/strings/str_cat.h"

namespace porthole::agent {

OptionTable AgentOptions(AgentConfig* c) {
  OptionTable t;
  t.Add({"agent", "listen", "listen",
         absl::StrCat("0.0.0.0:", kDefaultAgentPort),
         "host:port of the gRPC service the controller calls",
         StoreHostPort(&c->listen, kDefaultAgentPort)});
  t.Add({"agent", "proxyclient_address", "proxyclient-address", "127.0.0.1",
         "address the console proxy dials for a console that listens on a "
         "wildcard address (Nova's server_proxyclient_address)",
         StoreString(&c->libvirt.xml.proxyclient_address)});
  t.Add({"metrics", "listen", "metrics-listen", "",
         "host:port of the metrics and health listener: GET /metrics "
         "(Prometheus text format), /healthz, /readyz (503 while libvirt is "
         "not connected). Keep it on loopback or a management network: it "
         "needs no credentials. Empty: off. Suggested: 127.0.0.1:9781",
         StoreOptionalHostPort(&c->metrics_listen, 9781)});
  t.Add({"agent", "log_level", "log-level", "info",
         "debug, info, warning or error", StoreLogLevel(&c->log_level)});
  t.Add({"agent", "shutdown_grace", "", "2",
         "seconds in-flight calls get to finish after SIGTERM",
         StoreDuration(&c->shutdown_grace)});
  t.Add({"libvirt", "connection_uri", "libvirt-uri", "qemu:///system",
         "libvirt URI of this host (Nova's [libvirt] connection_uri)",
         StoreString(&c->libvirt.uri)});
  t.Add({"libvirt", "read_only", "", "true",
         "open libvirt read-only (the agent never changes a domain)",
         StoreBool(&c->libvirt.read_only)});
  t.Add({"libvirt", "open_timeout", "", "10",
         "seconds before a connection attempt to a hung libvirtd is abandoned",
         StoreDuration(&c->libvirt.open_timeout)});
  t.Add({"libvirt", "keepalive_interval", "", "5",
         "seconds between keepalive probes (remote URIs only)",
         StoreInteger(&c->libvirt.keepalive_interval_seconds, 1, 3600)});
  t.Add({"libvirt", "heartbeat_interval", "", "1",
         "seconds between heartbeats on every WatchDomains stream: each says "
         "that every libvirt event received before it was sent, so the "
         "controller may re-check console ports from its copy; 0: none",
         StoreDuration(&c->libvirt.heartbeat_interval)});
  t.Add({"libvirt", "keepalive_count", "", "3",
         "unanswered probes before the connection counts as dead",
         StoreInteger(&c->libvirt.keepalive_count, 1, 100)});
  t.Add({"libvirt", "reconnect_max_backoff", "", "30",
         "longest wait, in seconds, between reconnect attempts",
         StoreDuration(&c->libvirt.reconnect_max_backoff)});
  t.Add({"tls", "cert_file", "tls-cert", "",
         "PEM certificate of the gRPC server; empty: plaintext",
         StoreString(&c->tls.cert_file)});
  t.Add({"tls", "key_file", "tls-key", "",
         "PEM private key of that certificate", StoreString(&c->tls.key_file)});
  t.Add({"tls", "ca_file", "tls-ca", "",
         "PEM CA bundle; when set, clients must present a certificate it "
         "signed (mTLS)",
         StoreString(&c->tls.ca_file)});
  return t;
}

absl::StatusOr<AgentConfig> LoadAgentConfig(
    const std::vector<std::string>& args, std::vector<std::string>* rest) {
  AgentConfig config;
  absl::Status s =
      AgentOptions(&config).Load(args, kDefaultAgentConfigPath, rest);
  if (!s.ok()) return s;
  return config;
}

}  // namespace porthole::agent
