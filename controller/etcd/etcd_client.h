#ifndef PORTHOLE_CONTROLLER_ETCD_ETCD_CLIENT_H_
#define PORTHOLE_CONTROLLER_ETCD_ETCD_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/etcd/etcd_store_options.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

namespace porthole::controller {

// The etcd v3 calls the token store makes, over one gRPC channel to every
// member (round_robin; names resolved by gRPC's DNS resolver for one
// endpoint, once at Connect for several). Each call ends within
// `call_timeout`, retries included: UNAVAILABLE from one member (stopped,
// no leader yet) is retried on the next a few times with backoff. gRPC
// reconnects by itself (backoff capped at one second), so the client
// recovers when etcd does, without being reopened. Thread-safe.
//
// Errors: UNAVAILABLE ("etcd unavailable: ...") when no member
// answered in time, whatever gRPC said (UNAVAILABLE, DEADLINE_EXCEEDED);
// etcd's own refusals keep gRPC's code ("requested lease not found" is
// NOT_FOUND).
class EtcdClient {
 public:
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Connect(
      const EtcdStoreOptions& options);

  absl::StatusOr<etcdserverpb::RangeResponse> Range(
      const etcdserverpb::RangeRequest& request);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(
      const etcdserverpb::TxnRequest& request);
  absl::StatusOr<etcdserverpb::LeaseGrantResponse> LeaseGrant(
      int64_t ttl_seconds);
  // Renews lease `id` once (one short LeaseKeepAlive stream) and returns
  // its TTL in seconds; NOT_FOUND when etcd no longer has the lease.
  absl::StatusOr<int64_t> LeaseKeepAliveOnce(int64_t id);
  // Ends lease `id` and deletes its keys now.
  absl::Status LeaseRevoke(int64_t id);

  // For long-lived watch streams, which carry no deadline.
  etcdserverpb::Watch::Stub& watch() { return *watch_; }
  absl::Duration call_timeout() const { return call_timeout_; }

 private:
  EtcdClient(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  template <typename Response, typename Attempt>
  absl::StatusOr<Response> Call(std::string_view what, Attempt attempt);

  const std::shared_ptr<grpc::Channel> channel_;
  const absl::Duration call_timeout_;
  const std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  const std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  const std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
};

// The gRPC target for `endpoints`: "dns:///host:port" for one name,
// "ipv4:a:p,b:p" / "ipv6:[a]:p,..." for addresses (names among several
// endpoints resolved now; IPv4 written as IPv4-mapped IPv6 when the two
// families mix). INVALID_ARGUMENT naming an endpoint that does not resolve.
absl::StatusOr<std::string> EtcdChannelTarget(
    const std::vector<HostPort>& endpoints);

// The key just past every key that starts with `prefix` (non-empty): the
// range_end of a Range or watch of that prefix.
std::string EtcdPrefixEnd(std::string prefix);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_ETCD_ETCD_CLIENT_H_
