// proxy_bench: the console proxy against what an operator could run instead,
// on one machine, in one run, alternating, 3 rounds, medians:
//   porthole    ConsoleProxy in its own process (this binary, --serve), with
//               a SQLite token store and the Fleet over a real porthole-agent
//               (so every connect pays the token lookup and the gRPC re-check)
//   porthole-metrics
//               the same as porthole with [metrics] listen set (metrics
//               registry, audit stream counted, token store timed, listener
//               up); compare with porthole for the cost of metrics
//   porthole-vencrypt
//               the same with [vnc] auth_schemes = vencrypt, in front of a
//               backend that runs QEMU's VeNCrypt X509None handshake and then
//               serves inside TLS: the cost of TLS to the hypervisor
//   bare        bench/bare_relay: a single-thread Beast WebSocket -> TCP relay
//               with no security work at all; every run reports Porthole as
//               a ratio of it (the issue's targets: throughput >= 1.0x,
//               CPU/GiB <= 1.0x, RTT added <= bare + 10 us, connect p50 <=
//               1.5x)
//   websockify  Debian's websockify 0.10 with the TokenFile plugin
//   socat       socat -b65536 ... nodelay: a raw TCP relay (no WebSocket)
//   direct      TCP straight to the backend
// The client and the backend are native code in this process (a node or
// Python client would be the bottleneck); WebSocket frames from the client
// are masked once in advance, so the proxy does the unmasking. The proxy's
// CPU is utime+stime of its whole process tree from /proc, before/after.
//
//   proxy_bench [--mib 1024] [--rounds 3] [--sessions 1000]
//               [--targets porthole,porthole-vencrypt,bare,websockify,socat,
//                          direct[,porthole-metrics]]
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/bench_support.h"
#include "bench/proxy_bench/echo_backend.h"
#include "bench/proxy_bench/measures.h"
#include "bench/proxy_bench/report.h"
#include "bench/proxy_bench/serve.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/support/child_process.h"
#include "tests/support/test_pki.h"

namespace porthole::bench {
namespace {

using testing::ChildProcess;

constexpr char kDomainUuid[] = "be0c0000-0000-4000-8000-000000000001";
constexpr char kVencryptDomainUuid[] = "be0c0000-0000-4000-8000-000000000002";
constexpr std::chrono::seconds kStartTimeout(10);

struct RunOptions {
  uint64_t bytes = 0;  // per transfer, each way
  int rounds = 0;
  int idle_sessions = 0;
  std::vector<std::string> targets;
};

RunOptions ParseRunOptions(int argc, char** argv) {
  RunOptions options;
  options.bytes = std::stoull(FlagValue(argc, argv, "mib", "1024")) << 20;
  options.rounds = std::stoi(FlagValue(argc, argv, "rounds", "3"));
  options.idle_sessions = std::stoi(FlagValue(argc, argv, "sessions", "1000"));
  options.targets = absl::StrSplit(
      FlagValue(argc, argv, "targets",
                "porthole,porthole-vencrypt,bare,websockify,socat,direct"),
      ',');
  return options;
}

ServeOptions ParseServeOptions(int argc, char** argv) {
  return {FlagValue(argc, argv, "agent-address", ""),
          FlagValue(argc, argv, "domain-uuid", kDomainUuid),
          FlagValue(argc, argv, "store", ""),
          FlagValue(argc, argv, "port-file", ""),
          FlagValue(argc, argv, "vencrypt-ca", ""),
          FlagValue(argc, argv, "vencrypt-cert", ""),
          FlagValue(argc, argv, "vencrypt-key", ""),
          HasFlag(argc, argv, "metrics")};
}

// A relay that cannot start (websockify or socat not installed) is reported
// and left out: its target then fails to connect.
std::unique_ptr<ChildProcess> Start(std::vector<std::string> argv,
                                    const std::string& log) {
  try {
    return std::make_unique<ChildProcess>(std::move(argv),
                                          std::vector<std::string>{}, log);
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return nullptr;
  }
}

pid_t PidOf(const std::unique_ptr<ChildProcess>& child) {
  return child ? child->pid() : -1;
}

std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

// The agent's libvirt test driver: two domains whose VNC ports are the plain
// and the VeNCrypt backend.
void WriteNodeXml(const std::string& path, int vnc_port, int vencrypt_port) {
  std::ofstream out(path);
  out << "<node>";
  for (auto [name, uuid, port] :
       {std::tuple("bench", kDomainUuid, vnc_port),
        std::tuple("bench-vencrypt", kVencryptDomainUuid, vencrypt_port)}) {
    out << "<domain type='test'><name>" << name << "</name><uuid>" << uuid
        << "</uuid><memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
           "<devices><graphics type='vnc' port='"
        << port << "' autoport='no' listen='127.0.0.1'/></devices></domain>";
  }
  out << "</node>\n";
}

// A console token for the domain `uuid` whose VNC port is `vnc_port`.
bool AddToken(controller::TokenStore& store, const std::string& token,
              const std::string& uuid, int vnc_port) {
  controller::ConsoleAuthRecord r;
  r.token_hash = controller::HashConsoleToken(token);
  r.console_type = "novnc";
  r.host = "127.0.0.1";
  r.port = static_cast<uint32_t>(vnc_port);
  r.instance_uuid = uuid;
  r.compute_host = "bench";
  r.access_url_base = "http://127.0.0.1:6080/vnc_lite.html";
  r.expires = time(nullptr) + 24 * 3600;
  return store.Insert(r).ok();
}

// 0 when --serve has not written it within 10 s.
int ReadPortFile(const std::string& path) {
  int port = 0;
  for (int i = 0; i < 200 && port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream(path) >> port;
  }
  return port;
}

// The relays under test, all in front of one backend, each logging to
// `dir`/<name>.log. They are killed when this goes away.
struct Relays {
  std::string token;  // opens the backend through porthole and websockify
  std::string vencrypt_token;  // the VeNCrypt backend through porthole
  std::unique_ptr<ChildProcess> agent, porthole, porthole_metrics,
      porthole_vencrypt, websockify, socat, bare;
  int porthole_port = 0, porthole_metrics_port = 0, porthole_vencrypt_port = 0,
      websockify_port = 0, socat_port = 0, bare_port = 0;
};

// The plain backend and the VeNCrypt one, with the certificates both ends of
// VeNCrypt use.
struct Backends {
  explicit Backends(const std::string& dir);

  testing::TestPki pki;
  EchoBackend plain;
  EchoBackend vencrypt;
};

std::unique_ptr<const BackendSecurityContext> MadePki(testing::TestPki& pki) {
  std::filesystem::create_directories(pki.dir());
  if (!pki.Init() || !pki.IssueServer("server", "IP:127.0.0.1") ||
      !pki.IssueClient("client", "porthole-proxy")) {
    throw std::runtime_error("test PKI: " + pki.error());
  }
  return std::make_unique<BackendSecurityContext>(
      BackendSecurity::kVencrypt, pki.cert("server"), pki.key("server"),
      pki.ca_cert());
}

Backends::Backends(const std::string& dir)
    : pki(dir),
      plain(std::make_unique<BackendSecurityContext>(BackendSecurity::kPlain,
                                                     "", "", "")),
      vencrypt(MadePki(pki)) {}

std::unique_ptr<ChildProcess> StartServe(const std::string& dir,
                                         const std::string& name,
                                         int agent_port,
                                         const std::string& uuid,
                                         std::vector<std::string> extra) {
  std::vector<std::string> argv = {
      "/proc/self/exe",  "--serve",
      "--agent-address", Loopback(agent_port),
      "--domain-uuid",   uuid,
      "--store",         dir + "/tokens.db",
      "--port-file",     dir + "/" + name + ".port"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Start(std::move(argv), dir + "/" + name + ".log");
}

bool StartPorthole(const std::string& dir, const Backends& backends,
                   Relays& relays) {
  WriteNodeXml(dir + "/node.xml", backends.plain.port(),
               backends.vencrypt.port());
  const int agent_port = testing::PickFreePort();
  relays.agent =
      Start({PORTHOLE_AGENT_BINARY, "--config", "/dev/null", "--libvirt-uri",
             "test://" + dir + "/node.xml", "--listen", Loopback(agent_port)},
            dir + "/agent.log");
  testing::WaitForTcpPort("127.0.0.1", agent_port, kStartTimeout);
  relays.token = controller::NewConsoleToken();
  relays.vencrypt_token = controller::NewConsoleToken();
  {
    auto store = controller::SqliteTokenStore::Open(dir + "/tokens.db");
    if (!store.ok() ||
        !AddToken(**store, relays.token, kDomainUuid, backends.plain.port()) ||
        !AddToken(**store, relays.vencrypt_token, kVencryptDomainUuid,
                  backends.vencrypt.port())) {
      std::fprintf(stderr, "cannot write the token store\n");
      return false;
    }
  }
  relays.porthole = StartServe(dir, "porthole", agent_port, kDomainUuid, {});
  relays.porthole_metrics = StartServe(dir, "porthole-metrics", agent_port,
                                       kDomainUuid, {"--metrics"});
  const testing::TestPki& pki = backends.pki;
  relays.porthole_vencrypt =
      StartServe(dir, "porthole-vencrypt", agent_port, kVencryptDomainUuid,
                 {"--vencrypt-ca", pki.ca_cert(), "--vencrypt-cert",
                  pki.cert("client"), "--vencrypt-key", pki.key("client")});
  relays.porthole_port = ReadPortFile(dir + "/porthole.port");
  relays.porthole_metrics_port = ReadPortFile(dir + "/porthole-metrics.port");
  relays.porthole_vencrypt_port = ReadPortFile(dir + "/porthole-vencrypt.port");
  return true;
}

void StartOthers(const std::string& dir, int backend_port, Relays& relays) {
  std::ofstream(dir + "/tokens.cfg")
      << relays.token << ": " << Loopback(backend_port) << "\n";
  relays.websockify_port = testing::PickFreePort();
  relays.websockify =
      Start({"websockify", "--token-plugin", "TokenFile", "--token-source",
             dir + "/tokens.cfg", Loopback(relays.websockify_port)},
            dir + "/websockify.log");
  relays.socat_port = testing::PickFreePort();
  relays.socat =
      Start({"socat", "-b65536",
             absl::StrFormat("TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,"
                             "nodelay,backlog=4096",
                             relays.socat_port),
             absl::StrFormat("TCP:127.0.0.1:%d,nodelay", backend_port)},
            dir + "/socat.log");
  relays.bare_port = testing::PickFreePort();
  relays.bare =
      Start({PORTHOLE_BARE_RELAY_BINARY, std::to_string(relays.bare_port),
             std::to_string(backend_port)},
            dir + "/bare.log");
  for (int port :
       {relays.websockify_port, relays.socat_port, relays.bare_port}) {
    testing::WaitForTcpPort("127.0.0.1", port, kStartTimeout);
  }
}

// The targets named in `names`, in that order; unknown names are skipped.
std::vector<Target> ChooseTargets(const std::vector<std::string>& names,
                                  const Relays& relays, int backend_port) {
  std::vector<Target> targets;
  const std::string path = "/?token=" + relays.token;
  for (const std::string& name : names) {
    if (name == "porthole") {
      targets.push_back(
          {name, relays.porthole_port, true, path, PidOf(relays.porthole)});
    } else if (name == "porthole-metrics") {
      targets.push_back({name, relays.porthole_metrics_port, true, path,
                         PidOf(relays.porthole_metrics)});
    } else if (name == "porthole-vencrypt") {
      targets.push_back({name, relays.porthole_vencrypt_port, true,
                         "/?token=" + relays.vencrypt_token,
                         PidOf(relays.porthole_vencrypt), true});
    } else if (name == "bare") {
      targets.push_back(
          {name, relays.bare_port, true, path, PidOf(relays.bare)});
    } else if (name == "websockify") {
      targets.push_back(
          {name, relays.websockify_port, true, path, PidOf(relays.websockify)});
    } else if (name == "socat") {
      targets.push_back(
          {name, relays.socat_port, false, "", PidOf(relays.socat)});
    } else if (name == "direct") {
      targets.push_back({name, backend_port, false, "", -1});
    }
  }
  return targets;
}

// Target by target within a round, so a slow period of the machine is shared.
Results RunRounds(const std::vector<Target>& targets,
                  const RunOptions& options) {
  Results results;
  for (int round = 0; round < options.rounds; ++round) {
    for (const Target& t : targets) {
      const Measures m = MeasureRound(
          t, options.bytes,
          round == 0 ? std::optional(options.idle_sessions) : std::nullopt);
      results[t.name].push_back(m);
      std::fprintf(stderr, "round %d %s: down %.0f MiB/s up %.0f MiB/s\n",
                   round + 1, t.name.c_str(), m.down_mibs, m.up_mibs);
    }
  }
  return results;
}

int Run(const RunOptions& options) {
  signal(SIGPIPE, SIG_IGN);
  RaiseFileLimit();
  const testing::TempDir dir;
  const Backends backends(dir.path() + "/pki");
  Relays relays;
  if (!StartPorthole(dir.path(), backends, relays)) return 1;
  StartOthers(dir.path(), backends.plain.port(), relays);
  const std::vector<Target> targets =
      ChooseTargets(options.targets, relays, backends.plain.port());
  PrintReport(targets, RunRounds(targets, options), options.rounds);
  return 0;
}

}  // namespace
}  // namespace porthole::bench

int main(int argc, char** argv) {
  namespace bench = porthole::bench;
  if (bench::HasFlag(argc, argv, "serve")) {
    return bench::ServeConsoleProxy(bench::ParseServeOptions(argc, argv));
  }
  return bench::Run(bench::ParseRunOptions(argc, argv));
}
