#ifndef PORTHOLE_BENCH_PROXY_BENCH_SERVE_H_
#define PORTHOLE_BENCH_PROXY_BENCH_SERVE_H_

#include <string>

namespace porthole::bench {

// The porthole target: `proxy_bench --serve` runs this in its own process.
struct ServeOptions {
  std::string agent_address;  // host:port of the one porthole-agent
  std::string domain_uuid;    // the domain the token opens
  std::string token_store;    // SQLite token store path
  std::string port_file;      // where the noVNC listener's port is written
  // [vnc] auth_schemes = vencrypt with these PEM files when the CA is set.
  std::string vencrypt_ca;
  std::string vencrypt_cert;
  std::string vencrypt_key;
  // As porthole-controller with [metrics] listen set: the registry, the
  // audit stream counted, the token store timed and the listener on
  // 127.0.0.1 (an ephemeral port); off: none of it.
  bool metrics = false;
};

// Runs ConsoleProxy's noVNC listener as porthole-controller runs it: a SQLite
// token store and the Fleet over one agent, with no per-URL or per-client
// caps (one client and one URL open every session here). Waits up to 10 s
// for the fleet to know the domain, writes the port, then serves until
// SIGTERM, SIGINT or SIGHUP. Returns the exit code: 1 when anything fails to
// start.
int ServeConsoleProxy(const ServeOptions& options);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_SERVE_H_
