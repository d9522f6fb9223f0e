#include "tests/support/etcd_cluster.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <set>

#include "nlohmann/json.hpp"

namespace porthole::testing {
namespace {

constexpr std::chrono::seconds kReadyTimeout(30);
constexpr char kEtcd[] = "/usr/bin/etcd";
constexpr char kEtcdctl[] = "/usr/bin/etcdctl";

std::string PeerUrl(int port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

}  // namespace

EtcdCluster::EtcdCluster(int members, std::optional<Tls> tls)
    : tls_(std::move(tls)) {
  std::set<int> taken;
  for (int i = 0; i < members; ++i) {
    Member member;
    member.name = "e" + std::to_string(i + 1);
    // Distinct, even if the kernel hands out one port twice in a row.
    do {
      member.client_port = PickFreePort();
    } while (!taken.insert(member.client_port).second);
    do {
      member.peer_port = PickFreePort();
    } while (!taken.insert(member.peer_port).second);
    members_.push_back(std::move(member));
  }
}

EtcdCluster::~EtcdCluster() {
  for (Member& member : members_) member.process.reset();  // SIGKILL, reap
}

std::string EtcdCluster::ClientUrl(int i) const {
  return std::string(tls_ ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(members_[i].client_port);
}

void EtcdCluster::Launch(int i) {
  Member& member = members_[i];
  std::string cluster;
  for (const Member& m : members_) {
    if (!cluster.empty()) cluster += ",";
    cluster += m.name + "=" + PeerUrl(m.peer_port);
  }
  const std::string base = dir_.path() + "/" + member.name;
  std::vector<std::string> argv = {kEtcd,
                                   "--name",
                                   member.name,
                                   "--data-dir",
                                   base + ".data",
                                   "--logger",
                                   "zap",
                                   "--log-outputs",
                                   base + ".log",
                                   "--listen-client-urls",
                                   ClientUrl(i),
                                   "--advertise-client-urls",
                                   ClientUrl(i),
                                   "--listen-peer-urls",
                                   PeerUrl(member.peer_port),
                                   "--initial-advertise-peer-urls",
                                   PeerUrl(member.peer_port),
                                   "--initial-cluster",
                                   cluster,
                                   "--initial-cluster-state",
                                   "new",
                                   "--initial-cluster-token",
                                   "porthole-test"};
  if (tls_) {
    argv.insert(argv.end(),
                {"--cert-file", tls_->cert_file, "--key-file", tls_->key_file,
                 "--trusted-ca-file", tls_->ca_file, "--client-cert-auth"});
  }
  member.process = std::make_unique<ChildProcess>(
      argv, std::vector<std::string>{}, base + ".out");
}

std::vector<std::string> EtcdCluster::EtcdctlTlsArgs() const {
  if (!tls_) return {};
  return {"--cacert", tls_->ca_file,        "--cert", tls_->client_cert_file,
          "--key",    tls_->client_key_file};
}

bool EtcdCluster::WaitHealthy(int i) {
  std::vector<std::string> argv = {kEtcdctl, "--endpoints", ClientUrl(i),
                                   "--command-timeout=1s"};
  std::vector<std::string> tls = EtcdctlTlsArgs();
  argv.insert(argv.end(), tls.begin(), tls.end());
  argv.insert(argv.end(), {"endpoint", "health"});
  const std::string out = dir_.path() + "/health.out";
  bool healthy = WaitFor(
      [&] {
        if (!members_[i].process->running()) return true;  // gave up
        ChildProcess check(argv, {"ETCDCTL_API=3"}, out);
        std::optional<int> status = check.Wait(std::chrono::seconds(5));
        return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
      },
      kReadyTimeout);
  if (!healthy || !members_[i].process->running()) {
    error_ = "etcd member " + members_[i].name + " did not become healthy:\n" +
             Logs();
    return false;
  }
  return true;
}

bool EtcdCluster::Start() {
  for (int i = 0; i < size(); ++i) Launch(i);
  for (int i = 0; i < size(); ++i) {
    if (!WaitHealthy(i)) return false;
  }
  return true;
}

void EtcdCluster::Kill(int i) { members_[i].process.reset(); }

bool EtcdCluster::Restart(int i) {
  Launch(i);
  return WaitHealthy(i);
}

int EtcdCluster::Leader() {
  std::optional<std::string> out =
      Etcdctl({"endpoint", "status", "-w", "json"});
  if (!out) return -1;
  try {
    nlohmann::json statuses = nlohmann::json::parse(*out);
    for (const auto& status : statuses) {
      const auto& s = status.at("Status");
      if (s.at("header").at("member_id").get<uint64_t>() !=
          s.at("leader").get<uint64_t>()) {
        continue;
      }
      const std::string endpoint = status.at("Endpoint").get<std::string>();
      for (int i = 0; i < size(); ++i) {
        if (endpoint == ClientUrl(i)) return i;
      }
    }
  } catch (const std::exception& e) {
    error_ = std::string("etcdctl endpoint status: ") + e.what();
  }
  return -1;
}

std::string EtcdCluster::Endpoints() const {
  std::string endpoints;
  for (const Member& m : members_) {
    if (!endpoints.empty()) endpoints += ",";
    endpoints += "127.0.0.1:" + std::to_string(m.client_port);
  }
  return endpoints;
}

std::string EtcdCluster::StoreUrl(const std::string& prefix) const {
  return std::string(tls_ ? "etcds://" : "etcd://") + Endpoints() + prefix;
}

std::optional<std::string> EtcdCluster::Etcdctl(
    const std::vector<std::string>& args) {
  std::string endpoints;
  for (int i = 0; i < size(); ++i) {
    if (members_[i].process == nullptr) continue;
    if (!endpoints.empty()) endpoints += ",";
    endpoints += ClientUrl(i);
  }
  std::vector<std::string> argv = {kEtcdctl, "--endpoints", endpoints,
                                   "--command-timeout=3s"};
  std::vector<std::string> tls = EtcdctlTlsArgs();
  argv.insert(argv.end(), tls.begin(), tls.end());
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out = dir_.path() + "/etcdctl.out";
  const std::string err = dir_.path() + "/etcdctl.err";
  WriteFile(out, "");
  WriteFile(err, "");
  ChildProcess etcdctl(argv, {"ETCDCTL_API=3"}, out, err);
  std::optional<int> status = etcdctl.Wait(std::chrono::seconds(10));
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    error_ = "etcdctl failed: " + ReadFile(err);
    return std::nullopt;
  }
  return ReadFile(out);
}

std::string EtcdCluster::Logs() const {
  std::string logs;
  for (const Member& m : members_) {
    const std::string base = dir_.path() + "/" + m.name;
    logs += "--- " + m.name + ".out\n" + ReadFile(base + ".out");
    logs += "--- " + m.name + ".log (tail)\n";
    std::string log = ReadFile(base + ".log");
    logs += log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }
  return logs;
}

}  // namespace porthole::testing
