#include "controller/cluster/cluster.h"

#include <utility>

#include "absl/strings/match.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "controller/etcd/etcd_store_options.h"

namespace porthole::controller {
namespace {

// How long DELETE .../console-sessions/{id} waits for another replica to
// end its session.
constexpr absl::Duration kSessionEndWait = absl::Seconds(2);

}  // namespace

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Open(
    std::string_view store_url, absl::Duration call_timeout,
    ClusterOptions options) {
  const absl::string_view url(store_url.data(), store_url.size());
  if (!absl::StartsWith(url, "etcd://") && !absl::StartsWith(url, "etcds://")) {
    return nullptr;
  }
  absl::StatusOr<EtcdStoreOptions> etcd = ParseEtcdStoreUrl(store_url);
  if (!etcd.ok()) return etcd.status();
  etcd->call_timeout = call_timeout;
  absl::StatusOr<std::unique_ptr<EtcdClient>> client =
      EtcdClient::Connect(*etcd);
  if (!client.ok()) return client.status();
  if (options.name.empty()) options.name = LocalHostName();
  auto cluster = std::unique_ptr<Cluster>(
      new Cluster(*std::move(client), etcd->prefix, std::move(options)));
  cluster->index_.Start();
  if (!cluster->index_.WaitListed(call_timeout)) {
    LogWarning("cluster",
               "the fleet index is not loaded yet (etcd down?); "
               "going on");
  }
  return cluster;
}

Cluster::Cluster(std::unique_ptr<EtcdClient> client, const std::string& prefix,
                 ClusterOptions options)
    : options_(std::move(options)),
      client_(std::move(client)),
      keys_(prefix),
      index_(client_.get(), keys_, options_.name) {}

Cluster::~Cluster() { Leave(); }

bool Cluster::Join(Fleet* fleet) {
  membership_ = std::make_unique<Membership>(
      client_.get(), keys_, options_,
      [fleet, this](const std::vector<std::string>& members) {
        LogInfo("cluster", "members ",
                LogField("count", std::to_string(members.size())), " ",
                LogField("replica", options_.name));
        fleet->SetReplicas(members);
      });
  membership_->Start();
  const bool joined =
      membership_->WaitJoined(options_.member_ttl + absl::Seconds(2));
  if (!joined) {
    LogWarning("cluster", "not joined yet; following every host meanwhile ",
               LogField("replica", options_.name));
  }
  return joined;
}

SessionDirectory* Cluster::ShareSessions(ConsoleSessionRegistry* registry) {
  session_publisher_ = std::make_unique<SessionPublisher>(
      client_.get(), keys_, registry, membership_.get(),
      options_.session_refresh);
  session_publisher_->Start();
  session_directory_ = std::make_unique<EtcdSessionDirectory>(
      client_.get(), keys_, registry, options_.name, kSessionEndWait);
  session_directory_->Start();
  return session_directory_.get();
}

void Cluster::Leave() {
  if (session_publisher_ != nullptr) session_publisher_->Stop();
  if (session_directory_ != nullptr) session_directory_->Stop();
  if (membership_ != nullptr) membership_->Leave();
}

}  // namespace porthole::controller
