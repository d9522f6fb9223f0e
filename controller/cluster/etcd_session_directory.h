#ifndef PORTHOLE_CONTROLLER_CLUSTER_ETCD_SESSION_DIRECTORY_H_
#define PORTHOLE_CONTROLLER_CLUSTER_ETCD_SESSION_DIRECTORY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/cluster/cluster_keys.h"
#include "controller/cluster/shared_session.h"
#include "controller/etcd/etcd_client.h"
#include "controller/etcd/etcd_prefix_watch.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/sessions/session_directory.h"

namespace porthole::controller {

// The sessions of every replica that shares this etcd. Lists what the
// replicas publish (SessionPublisher), this replica's own sessions with
// their live byte counts. Ends a session of this replica at once, and one
// of another replica by a request key under PREFIX/sessions/ends/ (on a
// lease of `kEndRequestTtl`) that every replica watches and applies to its
// own registry; End then waits up to `end_wait` for the session's record
// to go (kRequested when it has not). Ending a server's sessions ends them
// here and asks every other replica. Start() begins the watch of end
// requests (from the time the stream works: a replica that starts has no
// session to end). The client and registry must outlive this.
class EtcdSessionDirectory : public SessionDirectory {
 public:
  EtcdSessionDirectory(EtcdClient* client, const ClusterKeys& keys,
                       ConsoleSessionRegistry* registry, std::string replica,
                       absl::Duration end_wait);
  ~EtcdSessionDirectory() override;
  EtcdSessionDirectory(const EtcdSessionDirectory&) = delete;
  EtcdSessionDirectory& operator=(const EtcdSessionDirectory&) = delete;

  void Start();
  void Stop();

  absl::StatusOr<std::vector<ConsoleSessionSnapshot>> List(
      const ConsoleSessionFilter& filter) override;
  absl::StatusOr<EndOutcome> End(const std::string& id,
                                 SessionEnd why) override;
  absl::StatusOr<size_t> EndForServer(const std::string& server_id,
                                      SessionEnd why) override;

  // How long an end request stays in etcd: longer than any replica's watch
  // takes to see it.
  static constexpr absl::Duration kEndRequestTtl = absl::Seconds(60);

 private:
  absl::StatusOr<std::vector<ConsoleSessionSnapshot>> Published(
      const ConsoleSessionFilter& filter);
  // Whether session `id` has a published record (a linearizable read).
  absl::StatusOr<bool> Published(const std::string& id);
  absl::Status RequestEnd(const SessionEndRequest& request);
  void OnEvents(const std::vector<mvccpb::Event>& changes);

  EtcdClient* const client_;
  const ClusterKeys keys_;
  ConsoleSessionRegistry* const registry_;
  const std::string replica_;
  const absl::Duration end_wait_;
  std::unique_ptr<EtcdPrefixWatch> ends_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CLUSTER_ETCD_SESSION_DIRECTORY_H_
