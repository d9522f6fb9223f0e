// porthole-controller: the Nova-compatible console API and the console
// proxies. See controller/README.md.
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "common/signal_waiter.h"
#include "common/systemd_notifier.h"
#include "controller/api/api_handler.h"
#include "controller/api/nova_error.h"
#include "controller/api/router.h"
#include "controller/auth/noauth2_authenticator.h"
#include "controller/auth/tokens_file_authenticator.h"
#include "controller/cluster/cluster.h"
#include "controller/controller_config.h"
#include "controller/fleet/agent_channel.h"
#include "controller/fleet/fleet.h"
#include "controller/http/http_server.h"
#include "controller/keystone/keystone_authenticator.h"
#include "controller/keystone/revocation_checker.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/metrics/instrumented_token_store.h"
#include "controller/metrics/metrics_audit_log.h"
#include "controller/metrics/metrics_server.h"
#include "controller/net/event_loop.h"
#include "controller/policy/policy_enforcer.h"
#include "controller/proxy/console_proxy.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/file_audit_log.h"
#include "controller/sessions/journald_audit_log.h"
#include "controller/sessions/local_session_directory.h"
#include "controller/sessions/tee_audit_log.h"
#include "controller/tokens/token_store_factory.h"

namespace porthole::controller {
namespace {

int Fail(const absl::Status& status, int code = 1) {
  std::cerr << "porthole-controller: " << status.message() << "\n";
  return code;
}

// The parts of the configuration that SIGHUP re-reads: the agent list, the
// API tokens file, the policy files and the console TLS certificate files
// (VeNCrypt, SPICE); the audit file is reopened (logrotate).
// Everything else needs a restart.
void Reload(const std::vector<std::string>& args, Fleet& fleet,
            TokensFileAuthenticator* tokens_file, PolicyEnforcer& policy,
            ConsoleProxy& proxy, AuditLog* audit) {
  std::vector<std::string> rest;
  absl::StatusOr<ControllerConfig> fresh = LoadControllerConfig(args, &rest);
  if (!fresh.ok()) {
    LogError("controller", "SIGHUP: keeping the old configuration: ",
             std::string(fresh.status().message()));
    return;
  }
  fleet.SetAgents(fresh->fleet.agents);
  if (tokens_file != nullptr) {
    if (absl::Status s = tokens_file->Reload(); !s.ok()) {
      LogError("controller", "SIGHUP: keeping the old API tokens: ",
               std::string(s.message()));
    }
  }
  if (absl::Status s = policy.Reload(); !s.ok()) {
    LogError("controller",
             "SIGHUP: keeping the old policy: ", std::string(s.message()));
  }
  if (absl::Status s = proxy.ReloadCertificates(); !s.ok()) {
    LogError("controller", "SIGHUP: keeping the old VeNCrypt certificates: ",
             std::string(s.message()));
  }
  if (audit != nullptr) {
    if (absl::Status s = audit->Reopen(); !s.ok()) {
      LogError("controller", "SIGHUP: keeping the old audit file: ",
               std::string(s.message()));
    }
  }
  LogInfo("controller", "SIGHUP: reloaded agents, API tokens and policy ",
          LogField("agents", std::to_string(fresh->fleet.agents.size())));
}

// Agents this replica follows, up (in sync) and down.
ControllerMetrics::AgentLinkCounts CountAgentLinks(const Fleet& fleet) {
  ControllerMetrics::AgentLinkCounts links;
  for (const std::string& name : fleet.FollowedAgents()) {
    ++(fleet.AgentConnected(name) ? links.up : links.down);
  }
  return links;
}

// /readyz: the token store answers (a lookup of a hash no token has) and at
// least one followed agent is in sync. A cluster replica that follows no
// host (more replicas than hosts) serves from the fleet index and is ready.
absl::Status CheckReady(TokenStore& store, const Fleet& fleet, bool clustered) {
  absl::StatusOr<std::optional<ConsoleAuthRecord>> found =
      store.FindValid(std::string(64, '0'), absl::ToUnixSeconds(absl::Now()));
  if (!found.ok()) {
    return absl::UnavailableError(
        absl::StrCat("token store: ", found.status().message()));
  }
  const ControllerMetrics::AgentLinkCounts links = CountAgentLinks(fleet);
  if (links.up == 0 && !(clustered && links.down == 0)) {
    return absl::UnavailableError("no agent link is up");
  }
  return absl::OkStatus();
}

// [keystone_authtoken] revocation_check_interval: Keystone's revocation
// events, fetched at once and then every interval, end this replica's
// sessions of revoked access (4008) and refuse their URLs. Null when off or
// without Keystone.
std::unique_ptr<keystone::RevocationChecker> StartRevocationChecks(
    const keystone::KeystoneOptions& options,
    const keystone::KeystoneAuthenticator* keystone,
    ConsoleSessionRegistry& sessions) {
  if (keystone == nullptr ||
      options.revocation_check_interval <= absl::ZeroDuration()) {
    return nullptr;
  }
  auto checker = std::make_unique<keystone::RevocationChecker>(
      [keystone] { return keystone->RevocationEvents(); },
      [&sessions](const AccessRevocations& revocations) {
        const size_t ended = sessions.EndWhere(
            [&revocations](const ConsoleSessionInfo& s) {
              return revocations.IsRevoked(
                  {s.user_id, s.project_id, s.revocation_keys});
            },
            SessionEnd::kAccessRevoked);
        if (ended > 0) {
          LogInfo("controller", "ended sessions of access Keystone revoked ",
                  LogField("sessions", std::to_string(ended)));
        }
      });
  checker->Start(options.revocation_check_interval);
  return checker;
}

int Serve(const ControllerConfig& config, const std::vector<std::string>& args,
          SignalWaiter& signals) {
  const SystemdNotifier notifier;
  // [metrics] listen: the series every part reports to; null = off.
  std::unique_ptr<ControllerMetrics> metrics;
  if (config.metrics_listen) metrics = std::make_unique<ControllerMetrics>();
  absl::StatusOr<std::unique_ptr<TokenStore>> store =
      OpenTokenStore(config.token_store, config.token_store_options);
  if (!store.ok()) return Fail(store.status());
  // /readyz asks the store itself: its probes stay out of the store's series.
  TokenStore* raw_store = store->get();
  if (metrics != nullptr) {
    std::unique_ptr<TokenStore> inner = *std::move(store);
    store =
        std::unique_ptr<TokenStore>(std::make_unique<InstrumentedTokenStore>(
            std::move(inner), TokenStoreBackend(config.token_store),
            metrics.get()));
  }

  std::unique_ptr<Authenticator> authenticator;
  TokensFileAuthenticator* tokens_file = nullptr;
  const keystone::KeystoneAuthenticator* keystone_auth = nullptr;
  if (config.auth_strategy == "keystone") {
    auto created = keystone::KeystoneAuthenticator::Create(
        config.keystone, nullptr, metrics.get());
    if (!created.ok()) return Fail(created.status(), 2);
    // Logged either way; Keystone may come up (or be fixed) after us.
    (*created)->CheckServiceLogin().IgnoreError();
    keystone_auth = created->get();
    authenticator = *std::move(created);
  } else if (config.auth_strategy == "noauth2") {
    LogWarning("controller",
               "[api] auth_strategy = noauth2: any caller can act as any "
               "user; for development only");
    authenticator = std::make_unique<Noauth2Authenticator>();
  } else {
    auto loaded = TokensFileAuthenticator::Load(config.tokens_file);
    if (!loaded.ok()) return Fail(loaded.status(), 2);
    tokens_file = loaded->get();
    authenticator = std::move(*loaded);
  }

  absl::StatusOr<std::unique_ptr<PolicyEnforcer>> policy =
      PolicyEnforcer::Load(config.policy);
  if (!policy.ok()) return Fail(policy.status(), 2);

  // Replicas sharing an etcd token store split the hosts among themselves.
  absl::StatusOr<std::unique_ptr<Cluster>> cluster = Cluster::Open(
      config.token_store, config.token_store_options.timeout, config.cluster);
  if (!cluster.ok()) return Fail(cluster.status());

  std::vector<std::unique_ptr<AuditLog>> audit_logs;
  if (!config.audit_file.empty()) {
    absl::StatusOr<std::unique_ptr<FileAuditLog>> opened =
        FileAuditLog::Open(config.audit_file);
    if (!opened.ok()) return Fail(opened.status(), 2);
    audit_logs.push_back(*std::move(opened));
  }
  if (config.audit_journald.value_or(RunningUnderSystemd())) {
    audit_logs.push_back(std::make_unique<JournaldAuditLog>());
  }
  std::unique_ptr<AuditLog> audit;
  if (audit_logs.size() == 1) audit = std::move(audit_logs.front());
  if (audit_logs.size() > 1) {
    audit = std::make_unique<TeeAuditLog>(std::move(audit_logs));
  }
  // Every audit record passes the metrics first (URLs issued, admissions
  // refused, sessions started and ended), with or without an audit file.
  std::unique_ptr<MetricsAuditLog> metrics_audit;
  AuditLog* audit_log = audit.get();
  if (metrics != nullptr) {
    metrics_audit = std::make_unique<MetricsAuditLog>(metrics.get(), audit_log);
    audit_log = metrics_audit.get();
  }
  // This replica's live sessions: the proxy registers them, the admin API
  // lists and ends them.
  ConsoleSessionRegistry sessions;
  const std::string replica =
      config.cluster.name.empty() ? LocalHostName() : config.cluster.name;

  TokenStore* tokens = store->get();
  Fleet fleet(
      config.fleet,
      [tokens](const std::string& uuid, std::string_view reason) {
        absl::StatusOr<int> revoked = tokens->DeleteForInstance(uuid);
        if (revoked.ok() && *revoked > 0) {
          LogInfo("controller", "revoked console tokens ",
                  LogField("server", uuid), " ",
                  LogField("count", std::to_string(*revoked)), " ",
                  LogField("reason", reason));
        }
      },
      *cluster ? (*cluster)->index() : nullptr,
      *cluster ? (*cluster)->name() : "");
  if (*cluster) (*cluster)->Join(&fleet);
  // The admin API ends and lists every replica's sessions when they share
  // etcd, this one's otherwise.
  LocalSessionDirectory local_sessions(&sessions);
  SessionDirectory* session_directory =
      *cluster ? (*cluster)->ShareSessions(&sessions) : &local_sessions;
  // Before the fleet and the registry go, on every path: membership
  // changes call the fleet, the session publisher reads the registry.
  absl::Cleanup leave_cluster = [&cluster] {
    if (*cluster) (*cluster)->Leave();
  };
  if (absl::Status s = fleet.Start(); !s.ok()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("[agents] TLS: ", std::string(s.message()))));
  }

  ApiHandler api(config.api, authenticator.get(), &fleet, tokens, policy->get(),
                 session_directory, audit_log);
  // The one event loop of every listener; declared before the servers so
  // that it goes after them, and stopped explicitly once they have stopped.
  net::EventLoop loop(config.network_threads);
  std::unique_ptr<HttpServer> http;
  if (config.api_enabled) {
    HttpServerOptions options = config.http;
    options.max_body_bytes = config.api.max_body_bytes;
    http = std::make_unique<HttpServer>(
        options,
        [&api, m = metrics.get()](const HttpRequest& request) {
          if (m == nullptr) return api.Handle(request);
          const absl::Time started = absl::Now();
          HttpResponse response = api.Handle(request);
          m->ObserveApiRequest(RouteLabel(request.method, request.target),
                               response.status, absl::Now() - started);
          return response;
        },
        [](int status, const std::string& reason) {
          return NovaFault(status, reason);
        },
        &loop);
    if (absl::Status s = http->Start(); !s.ok()) return Fail(s);
    LogInfo(
        "controller", "compute API listening ",
        LogField("address",
                 HostPort{config.http.listen.host, http->port()}.ToString()));
  }
  const std::unique_ptr<keystone::RevocationChecker> revocations =
      StartRevocationChecks(config.keystone, keystone_auth, sessions);
  ConsoleProxy proxy(config.proxy, tokens, &fleet, nullptr, &loop,
                     {&sessions, audit_log, replica, revocations.get()});
  if (absl::Status s = proxy.Start(); !s.ok()) return Fail(s);
  // Revocations by this replica or any other sharing the store end the
  // sessions of those tokens here.
  tokens->SetRevocationListener(
      [&proxy](const std::vector<RevokedToken>& revoked) {
        std::vector<std::string> hashes;
        hashes.reserve(revoked.size());
        for (const RevokedToken& token : revoked) {
          hashes.push_back(token.token_hash);
        }
        if (size_t ended = proxy.EndSessions(hashes); ended > 0) {
          LogInfo("controller", "ended sessions of revoked console tokens ",
                  LogField("server", revoked.front().instance_uuid), " ",
                  LogField("sessions", std::to_string(ended)));
        }
      });
  std::unique_ptr<MetricsServer> metrics_server;
  if (metrics != nullptr) {
    metrics->SetSessions(&sessions);
    metrics->SetAgentLinks([&fleet] { return CountAgentLinks(fleet); });
    const bool clustered = *cluster != nullptr;
    metrics_server = std::make_unique<MetricsServer>(
        *config.metrics_listen, [m = metrics.get()] { return m->Collect(); },
        [raw_store, &fleet, clustered] {
          return CheckReady(*raw_store, fleet, clustered);
        },
        &loop);
    if (absl::Status s = metrics_server->Start(); !s.ok()) return Fail(s);
    LogInfo("controller", "metrics listening ",
            LogField("address", HostPort{config.metrics_listen->host,
                                         metrics_server->port()}
                                    .ToString()));
  }
  notifier.Ready("serving");

  const absl::Duration tick =
      notifier.WatchdogInterval().value_or(absl::Seconds(1));
  absl::Time next_purge = absl::Now();
  for (;;) {
    notifier.Watchdog();
    if (absl::Now() >= next_purge) {
      absl::StatusOr<int> purged =
          tokens->PurgeExpired(absl::ToUnixSeconds(absl::Now()));
      if (!purged.ok()) {
        LogWarning("controller", "token purge failed: ",
                   std::string(purged.status().message()));
      } else if (*purged > 0) {
        LogInfo("controller", "purged expired console tokens ",
                LogField("count", std::to_string(*purged)));
      }
      next_purge = absl::Now() + config.purge_interval;
    }
    std::optional<int> sig = signals.Wait(tick);
    if (!sig) continue;
    if (*sig == SIGHUP) {
      notifier.Reloading();
      Reload(args, fleet, tokens_file, **policy, proxy, audit_log);
      notifier.Ready("serving");
      continue;
    }
    break;
  }

  LogInfo("controller", "stopping");
  notifier.Stopping();
  if (metrics_server != nullptr) metrics_server->Stop();
  if (http != nullptr) http->Stop(config.shutdown_grace);
  tokens->SetRevocationListener(nullptr);
  proxy.Stop(config.proxy.drain_time);
  // Connections that outlived their drain end here, while the servers they
  // refer to still exist.
  loop.Stop();
  // The others take this replica's hosts now, not after the member TTL.
  std::move(leave_cluster).Invoke();
  fleet.Stop();
  LogInfo("controller", "stopped");
  return 0;
}

int Main(int argc, char** argv) {
  SignalWaiter signals;  // first: every later thread inherits the mask
  std::vector<std::string> args(argv + 1, argv + argc);
  {
    ControllerConfig unused;
    if (std::optional<int> code = ControllerOptions(&unused).HandleInfoFlags(
            args, "porthole-controller", PORTHOLE_VERSION)) {
      return *code;
    }
  }
  std::vector<std::string> rest;
  absl::StatusOr<ControllerConfig> config = LoadControllerConfig(args, &rest);
  if (!config.ok()) return Fail(config.status(), 2);
  if (!rest.empty()) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    "unknown argument '", rest[0], "' (see --help)")),
                2);
  }
  SetMinLogLevel(config->log_level);
  return Serve(*config, args, signals);
}

}  // namespace
}  // namespace porthole::controller

int main(int argc, char** argv) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles
  // (one global graph, a node per mutex): following 10,000 agents that was
  // a quarter of the fleet's CPU, ~5 KiB per agent, and doubled the time to
  // full inventory (docs/benchmarks.md, fleet). Unit tests keep the check.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  porthole::controller::TurnOffGrpcFixedReadBlocks();
  return porthole::controller::Main(argc, argv);
}
