#include "tests/support/controller_cluster.h"

#include <signal.h>

#include "porthole/fleet/v1/fleet_index.pb.h"
#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"

namespace porthole::testing {
namespace {

constexpr char kStorePrefix[] = "/porthole-cluster";

}  // namespace

ControllerCluster::ControllerCluster(ClusterOptions options)
    : options_(options), etcd_(options.etcd_members) {
  for (int i = 0; i < options_.hosts; ++i) {
    hosts_.push_back(std::make_unique<ComputeHostNetns>(i + 1));
  }
  replicas_.resize(options_.replicas);
  for (int i = 0; i < options_.replicas; ++i) {
    replicas_[i].name = "r" + std::to_string(i + 1);
  }
  WriteApiTokens(dir_.path() + "/api-tokens");
}

ControllerCluster::~ControllerCluster() {
  balancer_.Stop();
  for (Replica& r : replicas_) {
    if (r.process != nullptr) r.process->Stop();
  }
}

std::string ControllerCluster::ConfigPath(const Replica& r) const {
  return dir_.path() + "/" + r.name + ".conf";
}

std::string ControllerCluster::LogPath(const Replica& r) const {
  return dir_.path() + "/" + r.name + ".log";
}

void ControllerCluster::WriteReplicaConfig(Replica& r) {
  r.api_port = PickFreePort();
  r.novnc_port = PickFreePort();
  r.spice_port = PickFreePort();
  r.serial_port = PickFreePort();
  std::string agents;
  for (const auto& host : hosts_) {
    if (!agents.empty()) agents += ", ";
    agents += host->AgentEntry();
  }
  ControllerConfigParts parts;
  parts.dir = dir_.path();
  parts.api_port = r.api_port;
  parts.novnc_port = r.novnc_port;
  parts.spice_port = r.spice_port;
  parts.serial_port = r.serial_port;
  parts.agents = agents;
  parts.store = etcd_.StoreUrl(kStorePrefix);
  // The URLs the API hands out go through the balancer, as deployed.
  parts.novnc_base_url =
      "http://127.0.0.1:" + std::to_string(balanced_novnc_port_) +
      "/vnc_lite.html";
  // The tests time failovers by asking for URLs back to back, far past
  // the per-user limit (60 a minute).
  parts.extra = "[api]\nconsole_urls_per_minute = 0\n";
  parts.extra += "[cluster]\nname = " + r.name + "\nmember_ttl = " +
                 std::to_string(options_.member_ttl_seconds) + "\n";
  WriteFile(ConfigPath(r), ControllerConfigText(parts));
}

bool ControllerCluster::ReplicaReady(const Replica& r) {
  HttpReply reply = HttpCall(r.api_port, "GET", "/v2.1/servers?all_tenants=1",
                             {{"X-Auth-Token", kAdminToken}});
  if (reply.status != 200) return false;
  // Every replica lists every guest: its own hosts' from their agents, the
  // others' from the fleet index.
  for (const auto& host : hosts_) {
    if (reply.body.find(host->guest_uuid()) == std::string::npos) return false;
  }
  return true;
}

bool ControllerCluster::StartReplica(Replica& r) {
  // A port picked free may be taken by a parallel test before the
  // controller binds it; then it exits, and new ports are tried.
  for (int attempt = 0; attempt < 3; ++attempt) {
    WriteReplicaConfig(r);
    r.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{ControllerBinary(), "--config", ConfigPath(r)},
        std::vector<std::string>{}, LogPath(r));
    if (WaitForTcpPort("127.0.0.1", r.api_port, std::chrono::seconds(15)) &&
        r.process->running()) {
      break;
    }
    r.process->Stop();
  }
  if (!WaitFor([&] { return !r.process->running() || ReplicaReady(r); },
               std::chrono::seconds(30)) ||
      !r.process->running()) {
    error_ = "replica " + r.name + " did not become ready";
    return false;
  }
  return true;
}

bool ControllerCluster::Start() {
  for (auto& host : hosts_) {
    if (!host->Start()) {
      error_ = host->error();
      return false;
    }
  }
  if (!etcd_.Start()) {
    error_ = etcd_.error();
    return false;
  }
  balanced_api_port_ = PickFreePort();
  balanced_novnc_port_ = PickFreePort();
  for (Replica& r : replicas_) {
    if (!StartReplica(r)) return false;
  }
  std::vector<int> api, novnc;
  for (const Replica& r : replicas_) {
    api.push_back(r.api_port);
    novnc.push_back(r.novnc_port);
  }
  // The API's version document answers without a token.
  balancer_.AddService("api", balanced_api_port_, api, "/");
  balancer_.AddService("novnc", balanced_novnc_port_, novnc);
  if (!balancer_.Start()) {
    error_ = balancer_.error();
    return false;
  }
  return true;
}

std::vector<std::string> ControllerCluster::HostNames() const {
  std::vector<std::string> names;
  for (const auto& host : hosts_) names.push_back(host->name());
  return names;
}

std::vector<std::string> ControllerCluster::ReplicaNames() const {
  std::vector<std::string> names;
  for (const Replica& r : replicas_) names.push_back(r.name);
  return names;
}

int ControllerCluster::ReplicaIndex(const std::string& name) const {
  for (int i = 0; i < replica_count(); ++i) {
    if (replicas_[i].name == name) return i;
  }
  return -1;
}

std::string ControllerCluster::HostOwner(const std::string& host) {
  std::optional<std::string> value =
      etcd_.Etcdctl({"get", std::string(kStorePrefix) + "/fleet/hosts/" + host,
                     "--print-value-only"});
  // etcdctl ends the value with a newline of its own.
  if (!value || value->empty()) return "";
  value->pop_back();
  fleet::v1::IndexedHost record;
  if (!record.ParseFromString(*value) || !record.in_sync()) return "";
  return record.owner();
}

void ControllerCluster::KillReplica(int i) {
  Replica& r = replicas_[i];
  if (r.process == nullptr) return;
  r.process->Signal(SIGKILL);
  r.process->Wait(std::chrono::seconds(5));
}

bool ControllerCluster::ReplicaRunning(int i) {
  return replicas_[i].process != nullptr && replicas_[i].process->running();
}

std::string ControllerCluster::Logs() const {
  std::string logs;
  for (const Replica& r : replicas_) {
    logs += "--- replica " + r.name + ":\n" + ReadFile(LogPath(r));
  }
  for (const auto& host : hosts_) logs += host->Logs();
  return logs + "--- haproxy:\n" + balancer_.Log();
}

}  // namespace porthole::testing
