#include "controller/cluster/fleet_index_cache.h"

#include "absl/strings/match.h"

namespace porthole::controller {

namespace cv1 = fleet::v1;

void FleetIndexCache::Reset(const std::vector<mvccpb::KeyValue>& all) {
  absl::MutexLock lock(&mu_);
  hosts_.clear();
  servers_.clear();
  by_host_.clear();
  for (const mvccpb::KeyValue& kv : all) PutLocked(kv);
}

void FleetIndexCache::Apply(const std::vector<mvccpb::Event>& changes) {
  absl::MutexLock lock(&mu_);
  for (const mvccpb::Event& event : changes) {
    if (event.type() == mvccpb::Event::DELETE) {
      DeleteLocked(event.kv().key());
    } else {
      PutLocked(event.kv());
    }
  }
}

void FleetIndexCache::PutLocked(const mvccpb::KeyValue& kv) {
  const std::string& key = kv.key();
  if (absl::StartsWith(key, keys_.hosts)) {
    cv1::IndexedHost host;
    if (host.ParseFromString(kv.value())) {
      hosts_[key.substr(keys_.hosts.size())] = std::move(host);
    }
    return;
  }
  if (!absl::StartsWith(key, keys_.servers)) return;
  IndexedEntry entry;
  if (!entry.record.ParseFromString(kv.value())) return;
  entry.mod_revision = kv.mod_revision();
  std::string uuid = key.substr(keys_.servers.size());
  auto [it, inserted] = servers_.try_emplace(uuid);
  if (!inserted && it->second.record.host() != entry.record.host()) {
    by_host_[it->second.record.host()].erase(uuid);
  }
  by_host_[entry.record.host()].insert(uuid);
  it->second = std::move(entry);
}

void FleetIndexCache::DeleteLocked(const std::string& key) {
  if (absl::StartsWith(key, keys_.hosts)) {
    hosts_.erase(key.substr(keys_.hosts.size()));
    return;
  }
  if (!absl::StartsWith(key, keys_.servers)) return;
  auto it = servers_.find(key.substr(keys_.servers.size()));
  if (it == servers_.end()) return;
  auto on_host = by_host_.find(it->second.record.host());
  if (on_host != by_host_.end()) {
    on_host->second.erase(it->first);
    if (on_host->second.empty()) by_host_.erase(on_host);
  }
  servers_.erase(it);
}

Server FleetIndexCache::ToServerLocked(const std::string& uuid,
                                       const cv1::IndexedServer& record) const {
  Server server;
  server.host = record.host();
  server.domain.set_uuid(uuid);
  server.domain.set_name(record.name());
  server.domain.set_state(record.state());
  server.domain.set_project_id(record.project_id());
  server.domain.set_user_id(record.user_id());
  server.domain.set_display_name(record.display_name());
  auto host = hosts_.find(record.host());
  server.host_connected = host != hosts_.end() && host->second.in_sync() &&
                          host->second.libvirt_connected();
  return server;
}

Server FleetIndexCache::ToServer(const std::string& uuid,
                                 const cv1::IndexedServer& record) const {
  absl::MutexLock lock(&mu_);
  return ToServerLocked(uuid, record);
}

std::optional<Server> FleetIndexCache::Find(std::string_view uuid) const {
  absl::MutexLock lock(&mu_);
  auto it = servers_.find(uuid);
  if (it == servers_.end()) return std::nullopt;
  return ToServerLocked(it->first, it->second.record);
}

std::vector<Server> FleetIndexCache::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Server> all;
  all.reserve(servers_.size());
  for (const auto& [uuid, entry] : servers_) {
    all.push_back(ToServerLocked(uuid, entry.record));
  }
  return all;
}

std::vector<std::string> FleetIndexCache::NotInSync(
    const std::vector<std::string>& hosts) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> missing;
  for (const std::string& host : hosts) {
    auto it = hosts_.find(host);
    if (it == hosts_.end() || !it->second.in_sync()) missing.push_back(host);
  }
  return missing;
}

std::optional<IndexedEntry> FleetIndexCache::Entry(
    std::string_view uuid) const {
  absl::MutexLock lock(&mu_);
  auto it = servers_.find(uuid);
  if (it == servers_.end()) return std::nullopt;
  return it->second;
}

std::optional<cv1::IndexedHost> FleetIndexCache::Host(
    std::string_view host) const {
  absl::MutexLock lock(&mu_);
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, int64_t>> FleetIndexCache::ServersOn(
    std::string_view host) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<std::string, int64_t>> found;
  auto it = by_host_.find(host);
  if (it == by_host_.end()) return found;
  for (const std::string& uuid : it->second) {
    found.emplace_back(uuid, servers_.at(uuid).mod_revision);
  }
  return found;
}

}  // namespace porthole::controller
