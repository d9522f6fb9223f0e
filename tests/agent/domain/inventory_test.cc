#include "agent/domain/inventory.h"

#include <gtest/gtest.h>

#include <vector>

namespace porthole::agent {
namespace {

v1::Domain MakeDomain(const std::string& uuid, v1::DomainState state,
                      uint32_t vnc_port = 5900) {
  v1::Domain d;
  d.set_uuid(uuid);
  d.set_name("instance-" + uuid.substr(0, 4));
  d.set_state(state);
  if (vnc_port != 0) {
    v1::Console* c = d.add_consoles();
    c->set_protocol(v1::PROTOCOL_VNC);
    c->set_host("127.0.0.1");
    c->set_port(vnc_port);
  }
  return d;
}

constexpr char kA[] = "11111111-1111-4111-8111-111111111111";
constexpr char kB[] = "22222222-2222-4222-8222-222222222222";

TEST(ClassifyChange, LifecycleTransitions) {
  v1::Domain off = MakeDomain(kA, v1::DOMAIN_STATE_SHUTOFF, 0);
  v1::Domain on = MakeDomain(kA, v1::DOMAIN_STATE_RUNNING);
  v1::Domain paused = MakeDomain(kA, v1::DOMAIN_STATE_PAUSED);
  v1::Domain crashed = MakeDomain(kA, v1::DOMAIN_STATE_CRASHED, 0);
  EXPECT_EQ(ClassifyChange(nullptr, &off), v1::CHANGE_TYPE_DEFINED);
  EXPECT_EQ(ClassifyChange(nullptr, &on), v1::CHANGE_TYPE_STARTED);
  EXPECT_EQ(ClassifyChange(&off, &on), v1::CHANGE_TYPE_STARTED);
  EXPECT_EQ(ClassifyChange(&on, &off), v1::CHANGE_TYPE_STOPPED);
  EXPECT_EQ(ClassifyChange(&on, &crashed), v1::CHANGE_TYPE_STOPPED);
  EXPECT_EQ(ClassifyChange(&on, &paused), v1::CHANGE_TYPE_PAUSED);
  EXPECT_EQ(ClassifyChange(&paused, &on), v1::CHANGE_TYPE_RESUMED);
  EXPECT_EQ(ClassifyChange(&off, &paused), v1::CHANGE_TYPE_STARTED);
  EXPECT_EQ(ClassifyChange(&on, nullptr), v1::CHANGE_TYPE_UNDEFINED);
  EXPECT_EQ(ClassifyChange(nullptr, nullptr), v1::CHANGE_TYPE_UNSPECIFIED);
}

TEST(ClassifyChange, SameDomain_IsNoChange_NewPortIsConsolesChanged) {
  v1::Domain on = MakeDomain(kA, v1::DOMAIN_STATE_RUNNING, 5900);
  v1::Domain same = on;
  v1::Domain moved = MakeDomain(kA, v1::DOMAIN_STATE_RUNNING, 5901);
  v1::Domain renamed = on;
  renamed.set_display_name("new name");
  EXPECT_EQ(ClassifyChange(&on, &same), v1::CHANGE_TYPE_UNSPECIFIED);
  EXPECT_EQ(ClassifyChange(&on, &moved), v1::CHANGE_TYPE_CONSOLES_CHANGED);
  EXPECT_EQ(ClassifyChange(&on, &renamed), v1::CHANGE_TYPE_CONSOLES_CHANGED);
}

TEST(Inventory, Subscriber_GetsSnapshotThenChangesInOrder) {
  Inventory inventory;
  inventory.SetHostname("compute-1");
  inventory.Replace({MakeDomain(kA, v1::DOMAIN_STATE_RUNNING)},
                    v1::CHANGE_TYPE_RESYNCED);
  std::vector<v1::WatchDomainsResponse> seen;
  v1::WatchDomainsResponse snapshot;
  uint64_t id = inventory.Subscribe(
      [&](const v1::WatchDomainsResponse& m) { seen.push_back(m); }, &snapshot);
  EXPECT_EQ(snapshot.change(), v1::CHANGE_TYPE_SNAPSHOT);
  EXPECT_EQ(snapshot.hostname(), "compute-1");
  EXPECT_TRUE(snapshot.libvirt_connected());
  ASSERT_EQ(snapshot.domains_size(), 1);
  EXPECT_EQ(snapshot.domains(0).uuid(), kA);

  inventory.Upsert(MakeDomain(kB, v1::DOMAIN_STATE_SHUTOFF, 0));
  inventory.Upsert(MakeDomain(kB, v1::DOMAIN_STATE_SHUTOFF, 0));  // no change
  inventory.Upsert(MakeDomain(kB, v1::DOMAIN_STATE_RUNNING));
  inventory.Remove(kA);
  inventory.Remove(kA);  // already gone: nothing
  inventory.SetDisconnected();
  inventory.SetDisconnected();  // once
  inventory.Replace({MakeDomain(kB, v1::DOMAIN_STATE_RUNNING)},
                    v1::CHANGE_TYPE_RESYNCED);
  inventory.Unsubscribe(id);
  inventory.Upsert(MakeDomain(kA, v1::DOMAIN_STATE_RUNNING));  // not seen

  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].change(), v1::CHANGE_TYPE_DEFINED);
  EXPECT_EQ(seen[0].domains(0).uuid(), kB);
  EXPECT_EQ(seen[1].change(), v1::CHANGE_TYPE_STARTED);
  EXPECT_EQ(seen[2].change(), v1::CHANGE_TYPE_UNDEFINED);
  EXPECT_EQ(seen[2].domains(0).uuid(), kA);
  EXPECT_EQ(seen[3].change(), v1::CHANGE_TYPE_DISCONNECTED);
  EXPECT_FALSE(seen[3].libvirt_connected());
  EXPECT_EQ(seen[3].domains_size(), 0);
  EXPECT_EQ(seen[4].change(), v1::CHANGE_TYPE_RESYNCED);
  EXPECT_TRUE(seen[4].libvirt_connected());
  EXPECT_EQ(seen[4].domains_size(), 1);
}

TEST(Inventory, ListAndFind_ReflectUpdates) {
  Inventory inventory;
  EXPECT_FALSE(inventory.List().libvirt_connected());
  inventory.Replace({MakeDomain(kA, v1::DOMAIN_STATE_RUNNING),
                     MakeDomain(kB, v1::DOMAIN_STATE_SHUTOFF, 0)},
                    v1::CHANGE_TYPE_RESYNCED);
  EXPECT_EQ(inventory.List().domains_size(), 2);
  EXPECT_EQ(inventory.Find(kB)->state(), v1::DOMAIN_STATE_SHUTOFF);
  inventory.Upsert(MakeDomain(kB, v1::DOMAIN_STATE_RUNNING, 5905));
  EXPECT_EQ(inventory.Find(kB)->consoles(0).port(), 5905u);
  inventory.SetDisconnected();
  // Disconnected keeps the last view.
  EXPECT_EQ(inventory.List().domains_size(), 2);
  EXPECT_FALSE(inventory.List().libvirt_connected());
  EXPECT_EQ(inventory.Find("nope"), std::nullopt);
}

}  // namespace
}  // namespace porthole::agent
