#include "bench/proxy_bench/serve.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "common/logging.h"
#include "common/signal_waiter.h"
#include "controller/fleet/fleet.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/metrics/instrumented_token_store.h"
#include "controller/metrics/metrics_audit_log.h"
#include "controller/metrics/metrics_server.h"
#include "controller/proxy/console_proxy.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/tokens/sqlite_token_store.h"

namespace porthole::bench {
namespace {

using controller::ConsoleProxy;
using controller::Fleet;
using controller::ProxyOptions;

// Until the agent's domain is known and the agent has confirmed the
// inventory once (a heartbeat): the steady state of a running controller,
// whose port re-check then needs no agent round trip.
void WaitForSteadyState(Fleet& fleet, const std::string& uuid) {
  for (int i = 0; i < 200; ++i) {
    if (fleet.Find(uuid).ok() &&
        fleet.ConfirmedAt("bench") != absl::InfinitePast()) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

ProxyOptions NoVncOnlyWithoutCaps(const ServeOptions& serve) {
  ProxyOptions options;
  if (!serve.vencrypt_ca.empty()) {
    options.vnc.auth_schemes = {controller::VncAuthScheme::kVeNCrypt};
    options.vnc.ca_certs = serve.vencrypt_ca;
    options.vnc.client_cert = serve.vencrypt_cert;
    options.vnc.client_key = serve.vencrypt_key;
  }
  options.novnc = {true, {"127.0.0.1", 0}, ""};
  options.spice.enabled = false;
  options.serial.enabled = false;
  options.max_connections = 100000;
  options.max_sessions_per_token = 0;
  options.max_connections_per_client = 0;
  return options;
}

}  // namespace

int ServeConsoleProxy(const ServeOptions& options) {
  SignalWaiter signals;  // first, as in porthole-controller's main()
  SetMinLogLevel(LogLevel::kWarning);
  controller::FleetOptions fleet_options;
  fleet_options.agents = {{"bench", options.agent_address}};
  Fleet fleet(fleet_options, [](const std::string&, std::string_view) {});
  if (!fleet.Start().ok()) return 1;
  WaitForSteadyState(fleet, options.domain_uuid);
  auto sqlite = controller::SqliteTokenStore::Open(options.token_store);
  if (!sqlite.ok()) return 1;
  std::unique_ptr<controller::TokenStore> store = *std::move(sqlite);
  // --metrics: wired as porthole-controller's main() wires them.
  std::unique_ptr<controller::ControllerMetrics> metrics;
  std::unique_ptr<controller::MetricsAuditLog> audit;
  std::unique_ptr<controller::MetricsServer> metrics_server;
  controller::ConsoleSessionRegistry sessions;
  if (options.metrics) {
    metrics = std::make_unique<controller::ControllerMetrics>();
    store = std::make_unique<controller::InstrumentedTokenStore>(
        std::move(store), "sqlite", metrics.get());
    audit =
        std::make_unique<controller::MetricsAuditLog>(metrics.get(), nullptr);
    metrics->SetSessions(&sessions);
  }
  ConsoleProxy proxy(NoVncOnlyWithoutCaps(options), store.get(), &fleet,
                     nullptr, nullptr, {&sessions, audit.get(), "bench"});
  if (absl::Status s = proxy.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  if (metrics != nullptr) {
    metrics_server = std::make_unique<controller::MetricsServer>(
        HostPort{"127.0.0.1", 0}, [m = metrics.get()] { return m->Collect(); },
        [] { return absl::OkStatus(); });
    if (absl::Status s = metrics_server->Start(); !s.ok()) return 1;
    std::ofstream(options.port_file + ".metrics")
        << metrics_server->port() << "\n";
  }
  std::ofstream(options.port_file)
      << proxy.port(controller::ProxyKind::kNoVnc) << "\n";
  while (!signals.Wait(absl::Hours(1))) {
  }
  if (metrics_server != nullptr) metrics_server->Stop();
  proxy.Stop(absl::ZeroDuration());
  fleet.Stop();
  return 0;
}

}  // namespace porthole::bench
