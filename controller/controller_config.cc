#include "controller/controller_config.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "controller/policy/policy_file.h"

namespace porthole::controller {
namespace {

OptionSetter StoreUrl(std::string* out) {
  return [out](const std::string& v) -> absl::Status {
    if (!v.starts_with("http://") && !v.starts_with("https://") &&
        !v.starts_with("ws://") && !v.starts_with("wss://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected an http(s):// or ws(s):// URL, got '", v, "'"));
    }
    *out = v;
    return absl::OkStatus();
  };
}

}  // namespace

OptionTable ControllerOptions(ControllerConfig* c) {
  OptionTable t;
  t.Add({"api", "enabled", "", "true",
         "serve the compute API (false: run only the console proxies)",
         StoreBool(&c->api_enabled)});
  t.Add({"api", "listen", "listen", "0.0.0.0:8774",
         "host:port of the compute API", StoreHostPort(&c->http.listen, 8774)});
  t.Add({"api", "auth_strategy", "auth-strategy", "tokens",
         "keystone (tokens validated by Keystone, [keystone_authtoken]; the "
         "production choice), tokens (X-Auth-Token looked up in tokens_file) "
         "or noauth2 (Nova's development mode: token 'user:project', user "
         "'admin' is admin)",
         [c](const std::string& v) -> absl::Status {
           if (v != "keystone" && v != "tokens" && v != "noauth2") {
             return absl::InvalidArgumentError(
                 "expected keystone, tokens or noauth2");
           }
           c->auth_strategy = v;
           return absl::OkStatus();
         }});
  t.Add({"api", "tokens_file", "tokens-file", "/etc/porthole/api-tokens",
         "one line per API token: TOKEN USER_ID PROJECT_ID ROLE[,ROLE...]; "
         "re-read on SIGHUP",
         StoreString(&c->tokens_file)});
  t.Add({"oslo_policy", "policy_file", "policy-file", "",
         "YAML or JSON file of oslo.policy rules overriding Nova's defaults "
         "(relative: to this file's folder); empty: the defaults; re-read "
         "on SIGHUP",
         StoreString(&c->policy.policy_file)});
  t.Add({"oslo_policy", "policy_dirs", "", "",
         "comma-separated folders whose files override policy_file, in name "
         "order (relative: to this file's folder; missing: ignored); re-read "
         "on SIGHUP",
         StoreList(&c->policy.policy_dirs)});
  t.Add({"oslo_middleware", "max_request_body_size", "", "65536",
         "larger request bodies get 413 without being read",
         StoreInteger(&c->api.max_body_bytes, 1, 16 << 20)});
  t.Add({"api", "header_timeout", "", "10",
         "seconds a client gets to send a request's head (and then its body)",
         StoreDuration(&c->http.header_timeout)});
  t.Add({"api", "idle_timeout", "", "60",
         "seconds an idle keep-alive connection stays open",
         StoreDuration(&c->http.idle_timeout)});
  t.Add({"api", "max_connections", "", "1024",
         "open API connections beyond this get 503",
         StoreInteger(&c->http.max_connections, 1, 1 << 20)});
  t.Add({"api", "workers", "", "16",
         "threads that run API requests (they wait on agents and the token "
         "store)",
         StoreInteger(&c->http.handler_threads, 1, 1024)});
  t.Add({"api", "compute_link_prefix", "", "",
         "scheme://host[:port] for links in responses; empty: http:// and "
         "the request's Host header",
         StoreString(&c->api.compute_link_prefix)});
  t.Add({"api", "console_urls_per_minute", "", "60",
         "console URLs (remote-consoles and the legacy console actions) one "
         "user id may ask for per minute, on average; past the burst, 429 "
         "overLimit with Retry-After. 0: no limit (Porthole)",
         StoreInteger(&c->api.console_url_limit.per_minute, 0, 1'000'000)});
  t.Add({"api", "console_urls_burst", "", "60",
         "console URLs one user id may ask for at once before "
         "console_urls_per_minute applies (Porthole)",
         StoreInteger(&c->api.console_url_limit.burst, 1, 1'000'000)});
  t.Add({"agents", "hosts", "agents", "",
         "the compute hosts: NAME=HOST:PORT, ... (NAME is the host name Nova "
         "knows); re-read on SIGHUP",
         [c](const std::string& v) -> absl::Status {
           absl::StatusOr<std::vector<AgentEndpoint>> agents =
               ParseAgentHosts(v);
           if (!agents.ok()) return agents.status();
           c->fleet.agents = *agents;
           return absl::OkStatus();
         }});
  t.Add(
      {"agents", "timeout", "", "2",
       "seconds any call to an agent may take before the API answers an error",
       StoreDuration(&c->fleet.timeout)});
  t.Add({"agents", "cert_file", "", "",
         "PEM client certificate for mTLS to the agents; empty: plaintext",
         StoreString(&c->fleet.tls.cert_file)});
  t.Add({"agents", "key_file", "", "", "PEM private key of that certificate",
         StoreString(&c->fleet.tls.key_file)});
  t.Add({"agents", "ca_file", "", "",
         "PEM CA that signed the agents' certificates (turns TLS on)",
         StoreString(&c->fleet.tls.ca_file)});
  t.Add({"fleet", "default_project_id", "", "",
         "project that owns domains without Nova owner metadata; empty: "
         "only admins see them",
         StoreString(&c->api.default_project_id)});
  t.Add({"consoleauth", "store", "token-store",
         "sqlite:///var/lib/porthole/tokens.db",
         "where console tokens live: sqlite:///ABSOLUTE/PATH (one host), or "
         "etcd://HOST:PORT[,HOST:PORT...]/PREFIX shared by replicas "
         "(etcds://...?cert=FILE&key=FILE&ca=FILE for TLS)",
         StoreString(&c->token_store)});
  t.Add({"consoleauth", "store_timeout", "", "2",
         "seconds any call to an etcd token store may take, retries "
         "included; past it the API answers 503 and the proxy refuses the "
         "upgrade with 503",
         StoreDuration(&c->token_store_options.timeout)});
  t.Add({"cluster", "name", "", "",
         "this replica's name among the controllers that share an etcd "
         "token store (they split the compute hosts among themselves); "
         "unique per replica; empty: the host name",
         StoreString(&c->cluster.name)});
  t.Add({"audit", "file", "", "",
         "append one JSON line per console session start and end, console "
         "URL issued and upgrade refused to this file (absolute path, "
         "created 0600, reopened on SIGHUP for logrotate); empty: no audit "
         "records. Never a raw token, at most its hash prefix",
         StoreString(&c->audit_file)});
  t.Add({"audit", "journald", "", "auto",
         "also write every audit record to the journal with structured "
         "fields (SYSLOG_IDENTIFIER=porthole-audit, PORTHOLE_*): true, "
         "false, or auto (when running as a systemd service)",
         [c](const std::string& v) -> absl::Status {
           if (v == "auto") {
             c->audit_journald.reset();
             return absl::OkStatus();
           }
           absl::StatusOr<bool> on = ParseBool(v);
           if (!on.ok()) return on.status();
           c->audit_journald = *on;
           return absl::OkStatus();
         }});
  t.Add({"metrics", "listen", "metrics-listen", "",
         "host:port of the metrics and health listener: GET /metrics "
         "(Prometheus text format), /healthz, /readyz (503 until the token "
         "store answers and an agent link is up). Keep it on loopback or a "
         "management network: it needs no token. Empty: off. Suggested: "
         "127.0.0.1:9780",
         StoreOptionalHostPort(&c->metrics_listen, 9780)});
  t.Add({"cluster", "member_ttl", "", "5",
         "seconds a replica that stopped renewing its membership (crashed, "
         "cut off from etcd) keeps its hosts before the others take them",
         StoreDuration(&c->cluster.member_ttl)});
  t.Add({"cluster", "session_refresh", "", "10",
         "seconds between refreshes of the byte counts of this replica's "
         "console sessions in etcd (what a listing through another replica "
         "shows); new and ended sessions are written at once",
         StoreDuration(&c->cluster.session_refresh)});
  t.Add({"consoleauth", "token_ttl", "", "600",
         "seconds a console token stays valid",
         StoreInteger(&c->api.consoles.token_ttl_seconds, 1, 86400L * 7)});
  t.Add({"consoleauth", "purge_interval", "", "60",
         "seconds between sweeps that delete expired tokens",
         StoreDuration(&c->purge_interval)});
  t.Add({"vnc", "enabled", "", "true", "hand out noVNC consoles",
         StoreBool(&c->api.consoles.vnc_enabled)});
  t.Add({"vnc", "novncproxy_base_url", "", kDefaultNoVncProxyBaseUrl,
         "public URL of the noVNC page; the token is added as "
         "?path=%3Ftoken%3D...",
         StoreUrl(&c->api.consoles.novncproxy_base_url)});
  t.Add({"vnc", "xvpvncproxy_base_url", "", kDefaultXvpVncProxyBaseUrl,
         "public URL of the native console listener for xvpvnc consoles "
         "(handed out only with [native] listen); the token is added as "
         "?token=... (Nova's option until Ussuri)",
         StoreUrl(&c->api.consoles.xvpvncproxy_base_url)});
  t.Add({"spice", "enabled", "", "true", "hand out SPICE consoles",
         StoreBool(&c->api.consoles.spice_enabled)});
  t.Add({"spice", "html5proxy_base_url", "", kDefaultSpiceHtml5ProxyBaseUrl,
         "public URL of the spice-html5 page; the token is added as ?token=...",
         StoreUrl(&c->api.consoles.html5proxy_base_url)});
  t.Add({"spice", "spice_direct_proxy_base_url", "",
         kDefaultSpiceDirectProxyBaseUrl,
         "base URL handed out for spice-direct consoles (microversion 2.99+)",
         StoreUrl(&c->api.consoles.spice_direct_proxy_base_url)});
  t.Add({"serial_console", "enabled", "", "true", "hand out serial consoles",
         StoreBool(&c->api.consoles.serial_enabled)});
  t.Add({"serial_console", "base_url", "", kDefaultSerialConsoleBaseUrl,
         "public WebSocket URL of the serial proxy; the token is added as "
         "?token=...",
         StoreUrl(&c->api.consoles.serial_base_url)});
  t.Add({"DEFAULT", "log_level", "log-level", "info",
         "debug, info, warning or error", StoreLogLevel(&c->log_level)});
  t.Add({"DEFAULT", "shutdown_grace", "", "5",
         "seconds in-flight API requests get to finish after SIGTERM (open "
         "console sessions: [console] drain_time)",
         StoreDuration(&c->shutdown_grace)});
  t.Add({"DEFAULT", "network_threads", "", "1",
         "threads of the one event loop that runs the sockets of the API and "
         "the console proxies; blocking work has its own threads ([api] "
         "workers) (Porthole)",
         StoreInteger(&c->network_threads, 1, 64)});
  AddProxyOptions(&t, &c->proxy);
  keystone::AddKeystoneOptions(&t, &c->keystone);
  return t;
}

absl::StatusOr<ControllerConfig> LoadControllerConfig(
    const std::vector<std::string>& args, std::vector<std::string>* rest) {
  ControllerConfig config;
  std::string config_file;
  absl::Status s = ControllerOptions(&config).Load(
      args, kDefaultControllerConfigPath, rest, &config_file);
  if (!s.ok()) return s;
  const std::string config_dir =
      std::filesystem::path(config_file).parent_path().string();
  config.policy.policy_file =
      ResolvePolicyPath(config.policy.policy_file, config_dir);
  for (std::string& dir : config.policy.policy_dirs) {
    dir = ResolvePolicyPath(dir, config_dir);
  }
  config.api.www_authenticate_uri = config.keystone.www_authenticate_uri.empty()
                                        ? config.keystone.auth_url
                                        : config.keystone.www_authenticate_uri;
  if (s = ValidateProxyOptions(config.proxy); !s.ok()) return s;
  // A console type that is off has no proxy either.
  config.proxy.novnc.enabled &= config.api.consoles.vnc_enabled;
  config.proxy.spice.enabled &= config.api.consoles.spice_enabled;
  config.proxy.serial.enabled &= config.api.consoles.serial_enabled;
  // xvpvnc credentials are handed out only where a listener takes them.
  config.api.consoles.xvpvnc_enabled =
      config.api.consoles.vnc_enabled && config.proxy.native.listen.has_value();
  return config;
}

}  // namespace porthole::controller
