// porthole-agent: serves the consoles of this host's libvirt domains over
// gRPC. See agent/README.md.
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/ext/health_check_service_server_builder_option.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/clock.h"
#include "agent/agent_config.h"
#include "agent/domain/inventory.h"
#include "agent/libvirt/libvirt_host.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/rpc_metrics_interceptor.h"
#include "agent/service/console_agent_service.h"
#include "agent/service/server_poller.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "common/signal_waiter.h"
#include "common/systemd_notifier.h"
#include "controller/metrics/metrics_server.h"

namespace porthole::agent {
namespace {

constexpr char kServiceName[] = "porthole.agent.v1.ConsoleAgent";

// --dump promises JSON alone on stdout, whatever else the process prints:
// libvirt logs wherever LIBVIRT_LOG_OUTPUTS says (even "1:file:/dev/stdout",
// which reopens fd 1), and a library may print too. So the JSON keeps the
// real stdout on a descriptor of its own and fd 1 becomes a copy of stderr
// for everyone else. Must run before libvirt is initialised. Returns the
// JSON's descriptor, or -1.
int ReserveStdoutForJson() {
  const int json_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (json_fd < 0) return -1;
  if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    close(json_fd);
    return -1;
  }
  return json_fd;
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// --dump: what the agent sees, as proto3 JSON on `json_fd`, then exit.
int Dump(const AgentConfig& config, int json_fd) {
  Inventory inventory;
  LibvirtHost host(config.libvirt, &inventory);
  if (absl::Status s = host.Start(); !s.ok()) {
    std::cerr << "porthole-agent: " << s.message() << "\n";
    return 1;
  }
  absl::StatusOr<std::vector<v1::Domain>> domains = host.FetchAll();
  if (!domains.ok()) {
    std::cerr << "porthole-agent: " << domains.status().message() << "\n";
    return 1;
  }
  // Sorted by UUID, like ListDomains, so two dumps compare with diff.
  std::sort(domains->begin(), domains->end(),
            [](const v1::Domain& a, const v1::Domain& b) {
              return a.uuid() < b.uuid();
            });
  v1::ListDomainsResponse response;
  response.set_hostname(host.hostname());
  response.set_libvirt_connected(true);
  for (v1::Domain& d : *domains) *response.add_domains() = std::move(d);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(response, &json, options)
           .ok()) {
    std::cerr << "porthole-agent: cannot print the inventory as JSON\n";
    return 1;
  }
  if (!WriteAll(json_fd, json)) {
    std::cerr << "porthole-agent: cannot write the inventory to stdout\n";
    return 1;
  }
  host.Stop();
  return 0;
}

int Serve(const AgentConfig& config, SignalWaiter& signals) {
  const SystemdNotifier notifier;
  Inventory inventory;
  LibvirtHost host(config.libvirt, &inventory);
  // Before Start: the first connection's resync is counted too.
  std::unique_ptr<AgentMetrics> metrics;
  if (config.metrics_listen) {
    metrics = std::make_unique<AgentMetrics>(
        &inventory, [&host] { return host.connected(); });
  }
  if (absl::Status s = host.Start(); !s.ok()) {
    // Keep running: libvirtd may come up later; the host keeps retrying.
    LogError("agent", std::string(s.message()), "; retrying in the background");
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config.tls);
  if (!credentials.ok()) {
    std::cerr << "porthole-agent: TLS: " << credentials.status().message()
              << "\n";
    return 1;
  }
  if (!config.tls.enabled() && config.listen.host != "127.0.0.1" &&
      config.listen.host != "::1" && config.listen.host != "localhost") {
    LogWarning(
        "agent", "gRPC on ", config.listen.ToString(),
        " is plaintext; set [tls] cert_file, key_file and ca_file for mTLS");
  }

  // [metrics] listen: the agent's series, /healthz and /readyz (libvirt
  // connected), on the same HttpServer edge the controller uses.
  std::unique_ptr<controller::MetricsServer> metrics_server;
  if (metrics != nullptr) {
    metrics_server = std::make_unique<controller::MetricsServer>(
        *config.metrics_listen, [m = metrics.get()] { return m->Collect(); },
        [&host] {
          return host.connected()
                     ? absl::OkStatus()
                     : absl::UnavailableError("libvirt is not connected");
        });
    if (absl::Status s = metrics_server->Start(); !s.ok()) {
      std::cerr << "porthole-agent: " << s.message() << "\n";
      return 1;
    }
    LogInfo("agent", "metrics listening ",
            LogField("address", HostPort{config.metrics_listen->host,
                                         metrics_server->port()}
                                    .ToString()));
  }

  ConsoleAgentService service(&inventory, &host);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which would let a second agent share
  // the port silently; we want "port in use" to be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Controllers keep their watch streams alive with pings.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  int bound_port = 0;
  builder.AddListeningPort(config.listen.ToString(), *credentials, &bound_port);
  builder.RegisterService(&service);
  if (metrics != nullptr) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<RpcMetricsInterceptorFactory>(metrics.get()));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  // A sync + callback server needs a poller that never idles (see the class).
  ServerPoller poller(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    std::cerr << "porthole-agent: cannot listen on " << config.listen.ToString()
              << " (address in use or not local)\n";
    return 1;
  }
  poller.Start();
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  LogInfo("agent", "listening ",
          LogField("address",
                   config.listen.host + ":" + std::to_string(bound_port)),
          " ", LogField("libvirt_uri", config.libvirt.uri), " ",
          LogField("tls", config.tls.enabled() ? "on" : "off"));
  notifier.Ready("serving");

  const absl::Duration tick =
      notifier.WatchdogInterval().value_or(absl::Seconds(1));
  for (;;) {
    const bool connected = host.connected();
    health->SetServingStatus(kServiceName, connected);
    health->SetServingStatus("", connected);
    notifier.Watchdog();
    std::optional<int> sig = signals.Wait(tick);
    if (!sig) continue;
    if (*sig == SIGHUP) {
      LogInfo("agent",
              "SIGHUP: nothing to reload; restart to apply config changes");
      continue;
    }
    break;
  }

  LogInfo("agent", "stopping");
  notifier.Stopping();
  health->SetServingStatus(kServiceName, false);
  server->Shutdown(absl::ToChronoTime(absl::Now() + config.shutdown_grace));
  poller.Stop();
  if (metrics_server != nullptr) metrics_server->Stop();
  host.Stop();
  LogInfo("agent", "stopped");
  return 0;
}

int Main(int argc, char** argv) {
  SignalWaiter signals;  // first: every later thread inherits the mask
  std::vector<std::string> args(argv + 1, argv + argc);
  {
    AgentConfig unused;
    if (std::optional<int> code = AgentOptions(&unused).HandleInfoFlags(
            args, "porthole-agent", PORTHOLE_VERSION,
            "  --dump\n      print what the agent sees as JSON and exit\n")) {
      return *code;
    }
  }
  std::vector<std::string> rest;
  absl::StatusOr<AgentConfig> config = LoadAgentConfig(args, &rest);
  if (!config.ok()) {
    std::cerr << "porthole-agent: " << config.status().message() << "\n";
    return 2;
  }
  bool dump = false;
  for (const std::string& a : rest) {
    if (a == "--dump") {
      dump = true;
    } else {
      std::cerr << "porthole-agent: unknown argument '" << a
                << "' (see --help)\n";
      return 2;
    }
  }
  SetMinLogLevel(config->log_level);
  if (dump) {
    SetMinLogLevel(LogLevel::kError);
    const int json_fd = ReserveStdoutForJson();
    if (json_fd < 0) {
      std::cerr << "porthole-agent: --dump needs an open stdout\n";
      return 1;
    }
    const int code = Dump(*config, json_fd);
    close(json_fd);
    return code;
  }
  return Serve(*config, signals);
}

}  // namespace
}  // namespace porthole::agent

int main(int argc, char** argv) { return porthole::agent::Main(argc, argv); }
