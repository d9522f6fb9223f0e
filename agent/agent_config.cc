#include "agent/agent_config.h"

#include "absl/strings/str_cat.h"

namespace porthole::agent {
namespace {

std::function<absl::Status(const std::string&)> SetString(std::string* out) {
  return [out](const std::string& v) {
    *out = v;
    return absl::OkStatus();
  };
}

std::function<absl::Status(const std::string&)> SetDuration(
    absl::Duration* out) {
  return [out](const std::string& v) -> absl::Status {
    absl::StatusOr<double> s = ParseSeconds(v);
    if (!s.ok()) return s.status();
    *out = absl::Seconds(*s);
    return absl::OkStatus();
  };
}

}  // namespace

OptionTable AgentOptions(AgentConfig* c) {
  OptionTable t;
  t.Add({"agent", "listen", "listen",
         absl::StrCat("0.0.0.0:", kDefaultAgentPort),
         "host:port of the gRPC service the controller calls",
         [c](const std::string& v) -> absl::Status {
           absl::StatusOr<HostPort> hp = ParseHostPort(v, kDefaultAgentPort);
           if (!hp.ok()) return hp.status();
           c->listen = *hp;
           return absl::OkStatus();
         }});
  t.Add({"agent", "proxyclient_address", "proxyclient-address", "127.0.0.1",
         "address the console proxy dials for a console that listens on a "
         "wildcard address (Nova's server_proxyclient_address)",
         SetString(&c->libvirt.xml.proxyclient_address)});
  t.Add({"agent", "log_level", "log-level", "info",
         "debug, info, warning or error",
         [c](const std::string& v) -> absl::Status {
           static const std::pair<const char*, LogLevel> kLevels[] = {
               {"debug", LogLevel::kDebug},
               {"info", LogLevel::kInfo},
               {"warning", LogLevel::kWarning},
               {"error", LogLevel::kError}};
           for (const auto& [name, level] : kLevels) {
             if (v == name) {
               c->log_level = level;
               return absl::OkStatus();
             }
           }
           return absl::InvalidArgumentError(
               "expected debug, info, warning or error");
         }});
  t.Add({"agent", "shutdown_grace", "", "2",
         "seconds in-flight calls get to finish after SIGTERM",
         [c](const std::string& v) -> absl::Status {
           absl::StatusOr<double> s = ParseSeconds(v);
           if (!s.ok()) return s.status();
           c->shutdown_grace_seconds = *s;
           return absl::OkStatus();
         }});
  t.Add({"libvirt", "connection_uri", "libvirt-uri", "qemu:///system",
         "libvirt URI of this host (Nova's [libvirt] connection_uri)",
         SetString(&c->libvirt.uri)});
  t.Add({"libvirt", "read_only", "", "true",
         "open libvirt read-only (the agent never changes a domain)",
         [c](const std::string& v) -> absl::Status {
           absl::StatusOr<bool> b = ParseBool(v);
           if (!b.ok()) return b.status();
           c->libvirt.read_only = *b;
           return absl::OkStatus();
         }});
  t.Add({"libvirt", "open_timeout", "", "10",
         "seconds before a connection attempt to a hung libvirtd is abandoned",
         SetDuration(&c->libvirt.open_timeout)});
  t.Add({"libvirt", "keepalive_interval", "", "5",
         "seconds between keepalive probes (remote URIs only)",
         [c](const std::string& v) -> absl::Status {
           absl::StatusOr<long> n = ParseInteger(v, 1, 3600);
           if (!n.ok()) return n.status();
           c->libvirt.keepalive_interval_seconds = static_cast<int>(*n);
           return absl::OkStatus();
         }});
  t.Add({"libvirt", "keepalive_count", "", "3",
         "unanswered probes before the connection counts as dead",
         [c](const std::string& v) -> absl::Status {
           absl::StatusOr<long> n = ParseInteger(v, 1, 100);
           if (!n.ok()) return n.status();
           c->libvirt.keepalive_count = static_cast<unsigned>(*n);
           return absl::OkStatus();
         }});
  t.Add({"libvirt", "reconnect_max_backoff", "", "30",
         "longest wait, in seconds, between reconnect attempts",
         SetDuration(&c->libvirt.reconnect_max_backoff)});
  t.Add({"tls", "cert_file", "tls-cert", "",
         "PEM certificate of the gRPC server; empty: plaintext",
         SetString(&c->tls.cert_file)});
  t.Add({"tls", "key_file", "tls-key", "",
         "PEM private key of that certificate", SetString(&c->tls.key_file)});
  t.Add({"tls", "ca_file", "tls-ca", "",
         "PEM CA bundle; when set, clients must present a certificate it "
         "signed (mTLS)",
         SetString(&c->tls.ca_file)});
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
