#ifndef PORTHOLE_TESTS_CONTROLLER_CLUSTER_CLUSTER_TEST_SUPPORT_H_
#define PORTHOLE_TESTS_CONTROLLER_CLUSTER_CLUSTER_TEST_SUPPORT_H_

#include <memory>
#include <string>

#include "controller/etcd/etcd_client.h"
#include "controller/etcd/etcd_store_options.h"
#include "tests/support/etcd_cluster.h"

namespace porthole::controller {

// A client of `etcd` whose calls end within a second.
inline std::unique_ptr<EtcdClient> ClientOf(testing::EtcdCluster& etcd,
                                            const std::string& prefix) {
  absl::StatusOr<EtcdStoreOptions> options =
      ParseEtcdStoreUrl(etcd.StoreUrl(prefix));
  if (!options.ok()) return nullptr;
  options->call_timeout = absl::Seconds(1);
  absl::StatusOr<std::unique_ptr<EtcdClient>> client =
      EtcdClient::Connect(*options);
  return client.ok() ? *std::move(client) : nullptr;
}

}  // namespace porthole::controller

#endif  // PORTHOLE_TESTS_CONTROLLER_CLUSTER_CLUSTER_TEST_SUPPORT_H_
