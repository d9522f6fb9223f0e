// The fleet index at the scale (issue 12): one replica publishes
// `--hosts` hosts x `--servers` servers to a real etcd (one member, data on
// tmpfs when STORE_DIR is not set... the EtcdCluster's temporary directory),
// as the owners' first snapshots would; then a replica that starts reads it
// all (list + watch) and answers lookups from its copy. Prints the time to
// publish, the writes a repeated snapshot costs (none), etcd's database
// size, the reading replica's time to load and memory per server, and the
// lookup latency (cache hit, and a miss that reads etcd).
//
//   fleet_index_bench [--hosts 10000] [--servers 40]
#include <malloc.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/bench_support.h"
#include "controller/cluster/etcd_fleet_index.h"
#include "controller/etcd/etcd_store_options.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/proc_status.h"

namespace porthole::bench {
namespace {

namespace v1 = agent::v1;
using controller::ClusterKeys;
using controller::EtcdClient;
using controller::EtcdFleetIndex;
using Clock = std::chrono::steady_clock;

std::string Uuid(int host, int server) {
  return absl::StrFormat("%08x-0000-4000-8000-%012x", host, server);
}

v1::WatchDomainsResponse Snapshot(int host, int servers) {
  v1::WatchDomainsResponse message;
  message.set_change(v1::CHANGE_TYPE_SNAPSHOT);
  message.set_libvirt_connected(true);
  for (int s = 0; s < servers; ++s) {
    v1::Domain* d = message.add_domains();
    d->set_uuid(Uuid(host, s));
    d->set_name(absl::StrFormat("instance-%08x", host * servers + s));
    d->set_state(v1::DOMAIN_STATE_RUNNING);
    d->set_project_id("bbbbbbbb-0000-4000-8000-000000000001");
    d->set_user_id("aaaaaaaa-0000-4000-8000-000000000001");
    d->set_display_name(absl::StrFormat("vm-%d-%d", host, s));
  }
  return message;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::unique_ptr<EtcdClient> Connect(testing::EtcdCluster& etcd) {
  absl::StatusOr<controller::EtcdStoreOptions> options =
      controller::ParseEtcdStoreUrl(etcd.StoreUrl("/bench"));
  options->call_timeout = absl::Seconds(10);
  return *EtcdClient::Connect(*options);
}

int64_t Revision(EtcdClient& client) {
  etcdserverpb::RangeRequest request;
  request.set_key("/bench");
  return client.Range(request)->header().revision();
}

int Run(int hosts, int servers) {
  testing::EtcdCluster etcd(1);
  if (!etcd.Start()) {
    std::cerr << "etcd: " << etcd.error() << "\n";
    return 1;
  }
  const ClusterKeys keys("/bench");
  std::unique_ptr<EtcdClient> writer_client = Connect(etcd);
  EtcdFleetIndex writer(writer_client.get(), keys, "r1");
  writer.Start();
  writer.WaitListed(absl::Seconds(10));

  auto start = Clock::now();
  for (int h = 0; h < hosts; ++h) {
    writer.Publish("compute-" + std::to_string(h), Snapshot(h, servers));
  }
  if (!writer.Flush(absl::Minutes(30))) return 1;
  const double publish_s = Seconds(Clock::now() - start);

  const int64_t before = Revision(*writer_client);
  for (int h = 0; h < hosts; ++h) {
    writer.Publish("compute-" + std::to_string(h), Snapshot(h, servers));
  }
  writer.Flush(absl::Minutes(10));
  const int64_t rewrites = Revision(*writer_client) - before;

  malloc_trim(0);
  const long rss_before = testing::ProcStatusField(0, "VmRSS");
  std::unique_ptr<EtcdClient> reader_client = Connect(etcd);
  start = Clock::now();
  EtcdFleetIndex reader(reader_client.get(), keys, "r2");
  reader.Start();
  if (!reader.WaitListed(absl::Minutes(5))) return 1;
  const double load_s = Seconds(Clock::now() - start);
  // What the listing's pages used is free now: count the copy alone.
  malloc_trim(0);
  const long rss_after = testing::ProcStatusField(0, "VmRSS");

  std::vector<double> hit_us, miss_us;
  for (int i = 0; i < 2000; ++i) {
    const std::string uuid = Uuid(i % hosts, i % servers);
    auto t = Clock::now();
    if (!reader.Find(uuid)) return 1;
    hit_us.push_back(Seconds(Clock::now() - t) * 1e6);
  }
  for (int i = 0; i < 500; ++i) {
    auto t = Clock::now();
    if (!reader.Read(Uuid(hosts + i, 0)).ok()) return 1;
    miss_us.push_back(Seconds(Clock::now() - t) * 1e6);
  }
  std::optional<std::string> status =
      etcd.Etcdctl({"endpoint", "status", "-w", "table"});

  const double records = static_cast<double>(hosts) * servers;
  std::cout << absl::StrFormat(
      "hosts %d x servers %d = %.0f records\n"
      "publish (first snapshots): %.1f s, %.0f records/s\n"
      "the same snapshots again: %d etcd revisions\n"
      "a replica's first listing: %.1f s; its copy %.0f MiB (%.0f B per "
      "server)\n"
      "lookup from the copy: p50 %.2f us, p99 %.2f us\n"
      "miss read from etcd: p50 %.3f ms, p99 %.3f ms\n",
      hosts, servers, records, publish_s, records / publish_s,
      static_cast<int>(rewrites), load_s, (rss_after - rss_before) / 1024.0,
      (rss_after - rss_before) * 1024.0 / records, Percentile(hit_us, 0.5),
      Percentile(hit_us, 0.99), Percentile(miss_us, 0.5) / 1000,
      Percentile(miss_us, 0.99) / 1000);
  std::cout << "etcd:\n" << status.value_or("(endpoint status failed)\n");
  return 0;
}

}  // namespace
}  // namespace porthole::bench

int main(int argc, char** argv) {
  return porthole::bench::Run(
      std::stoi(porthole::bench::FlagValue(argc, argv, "hosts", "10000")),
      std::stoi(porthole::bench::FlagValue(argc, argv, "servers", "40")));
}
