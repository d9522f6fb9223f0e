// The fleet index as one replica holds it, from etcd's key-values and
// events, without etcd.
#include "controller/cluster/fleet_index_cache.h"

#include <gtest/gtest.h>

namespace porthole::controller {
namespace {

namespace fv1 = fleet::v1;

constexpr char kUuid[] = "0b1a2c3d-0000-4000-8000-000000000001";
constexpr char kOther[] = "0b1a2c3d-0000-4000-8000-000000000002";

const ClusterKeys kKeys("/p");

mvccpb::KeyValue HostKv(const std::string& host, bool in_sync, bool libvirt) {
  fv1::IndexedHost record;
  record.set_owner("r1");
  record.set_in_sync(in_sync);
  record.set_libvirt_connected(libvirt);
  mvccpb::KeyValue kv;
  kv.set_key(kKeys.hosts + host);
  kv.set_value(record.SerializeAsString());
  return kv;
}

mvccpb::KeyValue ServerKv(const std::string& uuid, const std::string& host,
                          int64_t revision) {
  fv1::IndexedServer record;
  record.set_host(host);
  record.set_state(agent::v1::DOMAIN_STATE_RUNNING);
  record.set_project_id("p1");
  record.set_name("instance-1");
  mvccpb::KeyValue kv;
  kv.set_key(kKeys.servers + uuid);
  kv.set_value(record.SerializeAsString());
  kv.set_mod_revision(revision);
  return kv;
}

mvccpb::Event Put(mvccpb::KeyValue kv) {
  mvccpb::Event event;
  event.set_type(mvccpb::Event::PUT);
  *event.mutable_kv() = std::move(kv);
  return event;
}

mvccpb::Event Delete(const std::string& key) {
  mvccpb::Event event;
  event.set_type(mvccpb::Event::DELETE);
  event.mutable_kv()->set_key(key);
  return event;
}

TEST(FleetIndexCacheTest, Server_TakesItsConnectionFromItsHostsRecord) {
  FleetIndexCache cache(kKeys);
  cache.Reset({HostKv("c1", true, true), ServerKv(kUuid, "c1", 7),
               ServerKv(kOther, "c2", 8)});
  std::optional<Server> on_c1 = cache.Find(kUuid);
  ASSERT_TRUE(on_c1.has_value());
  EXPECT_EQ(on_c1->host, "c1");
  EXPECT_EQ(on_c1->domain.uuid(), kUuid);
  EXPECT_EQ(on_c1->domain.project_id(), "p1");
  EXPECT_EQ(on_c1->domain.state(), agent::v1::DOMAIN_STATE_RUNNING);
  EXPECT_TRUE(on_c1->host_connected);
  // c2 has no host record: nobody reports it in sync.
  EXPECT_FALSE(cache.Find(kOther)->host_connected);
  EXPECT_EQ(cache.NotInSync({"c1", "c2"}), std::vector<std::string>{"c2"});

  cache.Apply({Put(HostKv("c1", true, false))});
  EXPECT_FALSE(cache.Find(kUuid)->host_connected);
  EXPECT_TRUE(cache.NotInSync({"c1"}).empty());
  cache.Apply({Put(HostKv("c1", false, false))});
  EXPECT_EQ(cache.NotInSync({"c1"}), std::vector<std::string>{"c1"});
}

TEST(FleetIndexCacheTest, Move_ChangesTheHostsServerList) {
  FleetIndexCache cache(kKeys);
  cache.Reset({ServerKv(kUuid, "c1", 7)});
  EXPECT_EQ(cache.ServersOn("c1").size(), 1u);
  cache.Apply({Put(ServerKv(kUuid, "c2", 9))});
  EXPECT_TRUE(cache.ServersOn("c1").empty());
  ASSERT_EQ(cache.ServersOn("c2").size(), 1u);
  EXPECT_EQ(cache.ServersOn("c2")[0].second, 9);
  EXPECT_EQ(cache.Entry(kUuid)->mod_revision, 9);
  cache.Apply({Delete(kKeys.servers + kUuid)});
  EXPECT_FALSE(cache.Find(kUuid).has_value());
  EXPECT_TRUE(cache.ServersOn("c2").empty());
  EXPECT_TRUE(cache.List().empty());
}

TEST(FleetIndexCacheTest, Reset_ForgetsWhatTheListingLacks) {
  FleetIndexCache cache(kKeys);
  cache.Reset({ServerKv(kUuid, "c1", 7), HostKv("c1", true, true)});
  cache.Reset({ServerKv(kOther, "c1", 12)});
  EXPECT_FALSE(cache.Find(kUuid).has_value());
  EXPECT_FALSE(cache.Host("c1").has_value());
  EXPECT_EQ(cache.List().size(), 1u);
}

TEST(FleetIndexCacheTest, UnreadableOrForeignKeys_AreSkipped) {
  FleetIndexCache cache(kKeys);
  mvccpb::KeyValue garbage;
  garbage.set_key(kKeys.servers + kUuid);
  garbage.set_value("\xff\xff\xff");
  mvccpb::KeyValue member;
  member.set_key(kKeys.members + "r1");
  cache.Reset({garbage, member});
  EXPECT_TRUE(cache.List().empty());
  EXPECT_FALSE(cache.Host("r1").has_value());
}

}  // namespace
}  // namespace porthole::controller
