#ifndef PORTHOLE_CONTROLLER_CONTROLLER_CONFIG_H_
#define PORTHOLE_CONTROLLER_CONTROLLER_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "common/option_table.h"
#include "controller/api/api_config.h"
#include "controller/cluster/membership.h"
#include "controller/fleet/fleet.h"
#include "controller/http/http_server.h"
#include "controller/keystone/keystone_options.h"
#include "controller/policy/policy_enforcer.h"
#include "controller/proxy/proxy_options.h"
#include "controller/tokens/token_store_factory.h"

namespace porthole::controller {

inline constexpr char kDefaultControllerConfigPath[] =
    "/etc/porthole/controller.conf";

// Everything porthole-controller can be told, from
// /etc/porthole/controller.conf and flags. Section and option names follow
// Nova's where Nova has one ([vnc] novncproxy_base_url, [consoleauth]
// token_ttl, ...).
struct ControllerConfig {
  bool api_enabled = true;
  HttpServerOptions http;  // [api] listen and the HTTP limits
  ApiConfig api;           // consoles, body limit, links, default project
  std::string auth_strategy = "tokens";  // keystone | tokens | noauth2
  std::string tokens_file = "/etc/porthole/api-tokens";
  // [oslo_policy] policy_file and policy_dirs, relative ones resolved
  // against the configuration file's folder.
  PolicyFiles policy;
  keystone::KeystoneOptions keystone;  // [keystone_authtoken]
  FleetOptions fleet;
  std::string token_store = "sqlite:///var/lib/porthole/tokens.db";
  TokenStoreOptions token_store_options;  // [consoleauth] store_timeout
  // [cluster]: used when the token store is on etcd.
  ClusterOptions cluster;
  // [audit] file: JSON lines of session and URL audit records; "" = off.
  std::string audit_file;
  // [audit] journald: nullopt = auto (on under systemd).
  std::optional<bool> audit_journald;
  // [metrics] listen: /metrics, /healthz and /readyz; unset = off.
  std::optional<HostPort> metrics_listen;
  absl::Duration purge_interval = absl::Seconds(60);
  ProxyOptions proxy;  // the console proxies' listeners and limits
  LogLevel log_level = LogLevel::kInfo;
  absl::Duration shutdown_grace = absl::Seconds(5);
  // Threads of the one event loop that runs every listener's sockets.
  int network_threads = 1;
};

// The option table that fills `config`. Also used to print --help and the
// configuration reference.
OptionTable ControllerOptions(ControllerConfig* config);

// Defaults, then the config file (--config or the default path), then flags.
// Arguments that are not options go to `rest`.
absl::StatusOr<ControllerConfig> LoadControllerConfig(
    const std::vector<std::string>& args, std::vector<std::string>* rest);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CONTROLLER_CONFIG_H_
