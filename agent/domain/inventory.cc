#include "agent/domain/inventory.h"

#include <google/protobuf/util/message_differencer.h>

#include <utility>

namespace porthole::agent {
namespace {

using v1::ChangeType;
using v1::DomainState;

// Running, paused or on its way down: QEMU is up and its listeners exist.
bool IsActive(DomainState state) {
  switch (state) {
    case v1::DOMAIN_STATE_RUNNING:
    case v1::DOMAIN_STATE_BLOCKED:
    case v1::DOMAIN_STATE_PAUSED:
    case v1::DOMAIN_STATE_SHUTDOWN:
    case v1::DOMAIN_STATE_PMSUSPENDED:
      return true;
    default:
      return false;
  }
}

bool SameExceptState(const v1::Domain& a, const v1::Domain& b) {
  v1::Domain a_copy = a;
  a_copy.set_state(b.state());
  return google::protobuf::util::MessageDifferencer::Equals(a_copy, b);
}

}  // namespace

ChangeType ClassifyChange(const v1::Domain* before, const v1::Domain* after) {
  if (after == nullptr) {
    return before == nullptr ? v1::CHANGE_TYPE_UNSPECIFIED
                             : v1::CHANGE_TYPE_UNDEFINED;
  }
  const bool now_active = IsActive(after->state());
  if (before == nullptr) {
    return now_active ? v1::CHANGE_TYPE_STARTED : v1::CHANGE_TYPE_DEFINED;
  }
  const bool was_active = IsActive(before->state());
  if (!was_active && now_active) return v1::CHANGE_TYPE_STARTED;
  if (was_active && !now_active) return v1::CHANGE_TYPE_STOPPED;
  const bool was_paused = before->state() == v1::DOMAIN_STATE_PAUSED;
  const bool now_paused = after->state() == v1::DOMAIN_STATE_PAUSED;
  if (!was_paused && now_paused) return v1::CHANGE_TYPE_PAUSED;
  if (was_paused && !now_paused && now_active) return v1::CHANGE_TYPE_RESUMED;
  if (!SameExceptState(*before, *after) || before->state() != after->state()) {
    return v1::CHANGE_TYPE_CONSOLES_CHANGED;
  }
  return v1::CHANGE_TYPE_UNSPECIFIED;
}

void Inventory::Replace(std::vector<v1::Domain> domains, ChangeType change) {
  absl::MutexLock lock(&mu_);
  domains_.clear();
  for (v1::Domain& d : domains) {
    std::string uuid = d.uuid();
    domains_.insert_or_assign(std::move(uuid), std::move(d));
  }
  connected_ = true;
  Notify(MakeMessage(change));
}

void Inventory::Upsert(v1::Domain domain) {
  absl::MutexLock lock(&mu_);
  auto it = domains_.find(domain.uuid());
  const v1::Domain* before = it == domains_.end() ? nullptr : &it->second;
  ChangeType change = ClassifyChange(before, &domain);
  if (change == v1::CHANGE_TYPE_UNSPECIFIED) return;
  v1::WatchDomainsResponse message = MakeHeader(change);
  *message.add_domains() = domain;
  std::string uuid = domain.uuid();
  domains_.insert_or_assign(std::move(uuid), std::move(domain));
  Notify(message);
}

void Inventory::Remove(std::string_view uuid) {
  absl::MutexLock lock(&mu_);
  auto it = domains_.find(uuid);
  if (it == domains_.end()) return;
  v1::WatchDomainsResponse message = MakeHeader(v1::CHANGE_TYPE_UNDEFINED);
  *message.add_domains() = std::move(it->second);
  domains_.erase(it);
  Notify(message);
}

void Inventory::SetDisconnected() {
  absl::MutexLock lock(&mu_);
  if (!connected_) return;
  connected_ = false;
  Notify(MakeHeader(v1::CHANGE_TYPE_DISCONNECTED));
}

void Inventory::Heartbeat() {
  absl::MutexLock lock(&mu_);
  if (connected_) Notify(MakeHeader(v1::CHANGE_TYPE_HEARTBEAT));
}

void Inventory::SetHostname(std::string hostname) {
  absl::MutexLock lock(&mu_);
  hostname_ = std::move(hostname);
}

v1::ListDomainsResponse Inventory::List() const {
  absl::MutexLock lock(&mu_);
  v1::ListDomainsResponse response;
  response.set_hostname(hostname_);
  response.set_libvirt_connected(connected_);
  for (const auto& [uuid, domain] : domains_) *response.add_domains() = domain;
  return response;
}

std::optional<v1::Domain> Inventory::Find(std::string_view uuid) const {
  absl::MutexLock lock(&mu_);
  auto it = domains_.find(uuid);
  if (it == domains_.end()) return std::nullopt;
  return it->second;
}

uint64_t Inventory::Subscribe(Listener listener,
                              v1::WatchDomainsResponse* snapshot) {
  absl::MutexLock lock(&mu_);
  *snapshot = MakeMessage(v1::CHANGE_TYPE_SNAPSHOT);
  uint64_t id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void Inventory::Unsubscribe(uint64_t id) {
  absl::MutexLock lock(&mu_);
  listeners_.erase(id);
}

v1::WatchDomainsResponse Inventory::MakeHeader(ChangeType change) const {
  v1::WatchDomainsResponse message;
  message.set_change(change);
  message.set_hostname(hostname_);
  message.set_libvirt_connected(connected_);
  return message;
}

v1::WatchDomainsResponse Inventory::MakeMessage(ChangeType change) const {
  v1::WatchDomainsResponse message = MakeHeader(change);
  for (const auto& [uuid, domain] : domains_) *message.add_domains() = domain;
  return message;
}

void Inventory::Notify(const v1::WatchDomainsResponse& message) {
  for (const auto& [id, listener] : listeners_) listener(message);
}

}  // namespace porthole::agent
