#ifndef PORTHOLE_CONTROLLER_ETCD_ETCD_STORE_OPTIONS_H_
#define PORTHOLE_CONTROLLER_ETCD_ETCD_STORE_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/grpc_tls.h"
#include "common/host_port.h"

namespace porthole::controller {

// Where and how the etcd token store talks to etcd: the members, the key
// prefix every replica of one deployment shares, TLS, and the bounds of
// each call. Filled by ParseEtcdStoreUrl and the [consoleauth] options.
struct EtcdStoreOptions {
  static constexpr uint16_t kDefaultPort = 2379;
  static constexpr std::string_view kDefaultPrefix = "/porthole";

  std::vector<HostPort> endpoints;  // at least one
  // Keys live under PREFIX/tokens/ and PREFIX/instances/: "/porthole" or
  // what the URL's path says, with one leading and no trailing slash.
  std::string prefix = std::string(kDefaultPrefix);
  bool tls = false;  // etcds://: TLS; a client certificate makes it mutual
  TlsFiles tls_files;
  // Every call (all its retries included) ends within this; past it the
  // store answers UNAVAILABLE.
  absl::Duration call_timeout = absl::Seconds(2);
  // Tokens that expire within one bucket share one etcd lease, granted with
  // TTL = the bucket's end - now + one bucket, so a put is a single Txn.
  int64_t lease_bucket_seconds = 60;
};

// Parses etcd://HOST[:PORT][,HOST[:PORT]...][/PREFIX] and
// etcds://...[/PREFIX][?cert=FILE&key=FILE&ca=FILE] (values percent-encoded;
// the default port is 2379). INVALID_ARGUMENT naming the URL and what is
// wrong; the other fields of the result keep their defaults.
absl::StatusOr<EtcdStoreOptions> ParseEtcdStoreUrl(std::string_view url);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_ETCD_ETCD_STORE_OPTIONS_H_
