#include "controller/cluster/fleet_index_cache.h"

#include "absl/strings/match.h"
#include "common/uuid.h"

namespace porthole::controller {

namespace fv1 = fleet::v1;

void FleetIndexCache::Reset(const std::vector<mvccpb::KeyValue>& all) {
  absl::MutexLock lock(&mu_);
  hosts_.clear();
  servers_.clear();
  by_host_.clear();
  names_.clear();
  name_ids_.clear();
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

uint32_t FleetIndexCache::InternLocked(const std::string& text) {
  auto [it, inserted] =
      name_ids_.try_emplace(text, static_cast<uint32_t>(names_.size()));
  if (inserted) names_.push_back(text);
  return it->second;
}

void FleetIndexCache::PutLocked(const mvccpb::KeyValue& kv) {
  const std::string& key = kv.key();
  if (absl::StartsWith(key, keys_.hosts)) {
    fv1::IndexedHost host;
    if (host.ParseFromString(kv.value())) {
      hosts_[key.substr(keys_.hosts.size())] = std::move(host);
    }
    return;
  }
  if (!absl::StartsWith(key, keys_.servers)) return;
  std::optional<absl::uint128> uuid =
      UuidBits(std::string_view(key).substr(keys_.servers.size()));
  fv1::IndexedServer indexed;
  if (!uuid || !indexed.ParseFromString(kv.value())) return;
  Record record;
  record.host = InternLocked(indexed.host());
  record.project = InternLocked(indexed.project_id());
  record.user = InternLocked(indexed.user_id());
  record.state = indexed.state();
  record.name = std::move(*indexed.mutable_name());
  record.display_name = std::move(*indexed.mutable_display_name());
  record.mod_revision = kv.mod_revision();
  auto [it, inserted] = servers_.try_emplace(*uuid);
  if (!inserted && it->second.host != record.host) {
    by_host_[it->second.host].erase(*uuid);
  }
  by_host_[record.host].insert(*uuid);
  it->second = std::move(record);
}

void FleetIndexCache::DeleteLocked(const std::string& key) {
  if (absl::StartsWith(key, keys_.hosts)) {
    hosts_.erase(key.substr(keys_.hosts.size()));
    return;
  }
  if (!absl::StartsWith(key, keys_.servers)) return;
  std::optional<absl::uint128> uuid =
      UuidBits(std::string_view(key).substr(keys_.servers.size()));
  if (!uuid) return;
  auto it = servers_.find(*uuid);
  if (it == servers_.end()) return;
  auto on_host = by_host_.find(it->second.host);
  if (on_host != by_host_.end()) {
    on_host->second.erase(*uuid);
    if (on_host->second.empty()) by_host_.erase(on_host);
  }
  servers_.erase(it);
}

fv1::IndexedServer FleetIndexCache::IndexedLocked(const Record& record) const {
  fv1::IndexedServer indexed;
  indexed.set_host(names_[record.host]);
  indexed.set_state(record.state);
  indexed.set_project_id(names_[record.project]);
  indexed.set_user_id(names_[record.user]);
  indexed.set_name(record.name);
  indexed.set_display_name(record.display_name);
  return indexed;
}

Server FleetIndexCache::ToServerLocked(const std::string& uuid,
                                       const fv1::IndexedServer& record) const {
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
                                 const fv1::IndexedServer& record) const {
  absl::MutexLock lock(&mu_);
  return ToServerLocked(uuid, record);
}

std::optional<Server> FleetIndexCache::Find(std::string_view uuid) const {
  std::optional<absl::uint128> bits = UuidBits(uuid);
  if (!bits) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = servers_.find(*bits);
  if (it == servers_.end()) return std::nullopt;
  return ToServerLocked(UuidText(*bits), IndexedLocked(it->second));
}

std::vector<Server> FleetIndexCache::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Server> all;
  all.reserve(servers_.size());
  for (const auto& [uuid, record] : servers_) {
    all.push_back(ToServerLocked(UuidText(uuid), IndexedLocked(record)));
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
  std::optional<absl::uint128> bits = UuidBits(uuid);
  if (!bits) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = servers_.find(*bits);
  if (it == servers_.end()) return std::nullopt;
  return IndexedEntry{IndexedLocked(it->second), it->second.mod_revision};
}

std::optional<fv1::IndexedHost> FleetIndexCache::Host(
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
  auto id = name_ids_.find(absl::string_view(host.data(), host.size()));
  if (id == name_ids_.end()) return found;
  auto it = by_host_.find(id->second);
  if (it == by_host_.end()) return found;
  for (const absl::uint128& uuid : it->second) {
    found.emplace_back(UuidText(uuid), servers_.at(uuid).mod_revision);
  }
  return found;
}

}  // namespace porthole::controller
