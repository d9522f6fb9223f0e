#include "bench/proxy_bench/serve.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "common/logging.h"
#include "common/signal_waiter.h"
#include "controller/fleet/fleet.h"
#include "controller/proxy/console_proxy.h"
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
  auto store = controller::SqliteTokenStore::Open(options.token_store);
  if (!store.ok()) return 1;
  ConsoleProxy proxy(NoVncOnlyWithoutCaps(options), store->get(), &fleet);
  if (absl::Status s = proxy.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::ofstream(options.port_file)
      << proxy.port(controller::ProxyKind::kNoVnc) << "\n";
  while (!signals.Wait(absl::Hours(1))) {
  }
  proxy.Stop(absl::ZeroDuration());
  fleet.Stop();
  return 0;
}

}  // namespace porthole::bench
