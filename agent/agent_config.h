#ifndef PORTHOLE_AGENT_AGENT_CONFIG_H_
#define PORTHOLE_AGENT_AGENT_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/libvirt/libvirt_host.h"
#include "common/grpc_tls.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "common/option_table.h"

namespace porthole::agent {

inline constexpr char kDefaultAgentConfigPath[] = "/etc/porthole/agent.conf";
inline constexpr uint16_t kDefaultAgentPort = 16520;

// Everything porthole-agent can be told, from /etc/porthole/agent.conf and
// flags. Option names follow Nova's where Nova has one.
struct AgentConfig {
  HostPort listen;
  // [metrics] listen: /metrics, /healthz and /readyz; unset = off.
  std::optional<HostPort> metrics_listen;
  LibvirtHostOptions libvirt;
  TlsFiles tls;
  LogLevel log_level = LogLevel::kInfo;
  absl::Duration shutdown_grace = absl::Seconds(2);
};

// The option table that fills `config`: INI keys, flags, defaults and help.
OptionTable AgentOptions(AgentConfig* config);

// Defaults, then the config file, then flags. A missing file is an error only
// when it was named with --config. `rest` receives the arguments that are not
// options (--dump, --help, ...).
absl::StatusOr<AgentConfig> LoadAgentConfig(
    const std::vector<std::string>& args, std::vector<std::string>* rest);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_AGENT_CONFIG_H_
