#include "controller/fleet/server_inventory.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text.h"
#include "common/uuid.h"
#include "porthole/agent/v1/contract.h"

namespace porthole::controller {

namespace v1 = agent::v1;

void ServerInventory::AddAgent(std::string_view agent) {
  absl::MutexLock lock(&mu_);
  agents_.try_emplace(std::string(agent));
}

void ServerInventory::RemoveAgent(std::string_view agent) {
  absl::MutexLock lock(&mu_);
  auto it = agents_.find(agent);
  if (it == agents_.end()) return;
  for (RecordMap::iterator server : it->second.servers) servers_.erase(server);
  agents_.erase(it);
}

std::vector<GoneServer> ServerInventory::Apply(
    std::string_view agent, const v1::WatchDomainsResponse& message) {
  std::vector<GoneServer> gone;
  absl::MutexLock lock(&mu_);
  auto state = agents_.find(agent);
  if (state == agents_.end()) return gone;
  switch (message.change()) {
    case v1::CHANGE_TYPE_SNAPSHOT:
    case v1::CHANGE_TYPE_RESYNCED:
      ReplaceLocked(state, message, &gone);
      state->second.in_sync = true;
      break;
    case v1::CHANGE_TYPE_UNDEFINED:
      for (const v1::Domain& d : message.domains()) {
        const std::optional<absl::uint128> uuid = UuidBits(d.uuid());
        if (!uuid) continue;
        auto it = servers_.find(*uuid);
        if (it != servers_.end() && it->second.host == agent) {
          gone.push_back({UuidText(*uuid), "undefined"});
          EraseLocked(it);
        }
      }
      break;
    case v1::CHANGE_TYPE_DISCONNECTED:
      DisconnectLocked(state->second);
      break;
    case v1::CHANGE_TYPE_HEARTBEAT:
      break;
    default:
      for (const v1::Domain& d : message.domains()) {
        UpsertLocked(state, d, message.libvirt_connected(), &gone);
      }
      break;
  }
  return gone;
}

std::vector<GoneServer> ServerInventory::AddListed(std::string_view agent,
                                                   const v1::Domain& domain,
                                                   bool libvirt_connected) {
  std::vector<GoneServer> gone;
  absl::MutexLock lock(&mu_);
  auto state = agents_.find(agent);
  if (state != agents_.end()) {
    UpsertLocked(state, domain, libvirt_connected, &gone);
  }
  return gone;
}

void ServerInventory::Confirm(std::string_view agent, absl::Time at) {
  absl::MutexLock lock(&mu_);
  auto state = agents_.find(agent);
  if (state != agents_.end() && state->second.in_sync) {
    state->second.confirmed_at = at;
  }
}

absl::Time ServerInventory::ConfirmedAt(std::string_view agent) const {
  absl::MutexLock lock(&mu_);
  auto state = agents_.find(agent);
  return state == agents_.end() ? absl::InfinitePast()
                                : state->second.confirmed_at;
}

void ServerInventory::MarkAgentDown(std::string_view agent) {
  absl::MutexLock lock(&mu_);
  auto state = agents_.find(agent);
  if (state == agents_.end()) return;
  state->second.in_sync = false;
  DisconnectLocked(state->second);
}

void ServerInventory::ReplaceLocked(AgentMap::iterator agent,
                                    const v1::WatchDomainsResponse& message,
                                    std::vector<GoneServer>* gone) {
  std::set<absl::uint128> listed;
  for (const v1::Domain& d : message.domains()) {
    if (std::optional<absl::uint128> uuid = UuidBits(d.uuid())) {
      listed.insert(*uuid);
    }
  }
  std::vector<RecordMap::iterator> missing;
  for (RecordMap::iterator server : agent->second.servers) {
    if (!listed.contains(server->first)) missing.push_back(server);
  }
  for (RecordMap::iterator server : missing) {
    gone->push_back(
        {UuidText(server->first), "missing from its agent's snapshot"});
    EraseLocked(server);
  }
  for (const v1::Domain& d : message.domains()) {
    UpsertLocked(agent, d, message.libvirt_connected(), gone);
  }
}

void ServerInventory::UpsertLocked(AgentMap::iterator agent,
                                   const v1::Domain& domain, bool connected,
                                   std::vector<GoneServer>* gone) {
  const std::optional<absl::uint128> uuid = UuidBits(domain.uuid());
  if (!uuid) return;
  const std::string_view name = agent->first;
  auto it = servers_.find(*uuid);
  if (it != servers_.end() && it->second.host != name) {
    const Record& other = it->second;
    // The same server on two hosts happens during a migration: the active
    // copy wins, and a move revokes the tokens that point at the old host.
    if (!v1::IsActive(domain.state()) && v1::IsActive(other.state) &&
        other.host_connected) {
      return;
    }
    gone->push_back(
        {UuidText(*uuid), absl::StrCat("moved from ", ToAbsl(other.host),
                                       " to ", ToAbsl(name))});
    EraseLocked(it);
    it = servers_.end();
  } else if (it != servers_.end() && v1::IsActive(it->second.state) &&
             !v1::IsActive(domain.state())) {
    gone->push_back({UuidText(*uuid), "stopped"});
  }
  if (it == servers_.end()) {
    it = servers_.try_emplace(*uuid).first;
    agent->second.servers.push_back(it);
  }
  Record& record = it->second;
  v1::Domain without_uuid = domain;
  without_uuid.clear_uuid();
  without_uuid.SerializeToString(&record.domain);
  record.host = name;
  record.state = domain.state();
  record.host_connected = connected;
}

void ServerInventory::EraseLocked(RecordMap::iterator server) {
  auto agent = agents_.find(server->second.host);
  if (agent != agents_.end()) std::erase(agent->second.servers, server);
  servers_.erase(server);
}

void ServerInventory::DisconnectLocked(AgentState& agent) {
  agent.confirmed_at = absl::InfinitePast();
  for (RecordMap::iterator server : agent.servers) {
    server->second.host_connected = false;
  }
}

Server ServerInventory::ToServer(RecordMap::const_reference server_entry) {
  const auto& [uuid, record] = server_entry;
  Server server;
  server.domain.ParseFromString(record.domain);
  server.domain.set_uuid(UuidText(uuid));
  server.host = std::string(record.host);
  server.host_connected = record.host_connected;
  return server;
}

std::optional<Server> ServerInventory::Find(std::string_view uuid) const {
  const std::optional<absl::uint128> bits = UuidBits(uuid);
  if (!bits) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = servers_.find(*bits);
  if (it == servers_.end()) return std::nullopt;
  return ToServer(*it);
}

std::vector<Server> ServerInventory::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Server> servers;
  servers.reserve(servers_.size());
  for (const auto& server : servers_) servers.push_back(ToServer(server));
  return servers;
}

bool ServerInventory::InSync(std::string_view agent) const {
  absl::MutexLock lock(&mu_);
  auto it = agents_.find(agent);
  return it != agents_.end() && it->second.in_sync;
}

std::vector<std::string> ServerInventory::Agents() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  names.reserve(agents_.size());
  for (const auto& [name, state] : agents_) names.push_back(name);
  return names;
}

absl::Status ServerInventory::MissStatus(std::string_view uuid,
                                         const FanOutAnswers& fan_out) const {
  std::vector<std::string> silent;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, state] : agents_) {
      const bool vouches =
          fan_out.answered.contains(name) ||
          (state.in_sync && !fan_out.unreachable.contains(name));
      if (!vouches) silent.push_back(name);
    }
  }
  if (silent.empty()) {
    return absl::NotFoundError(
        absl::StrCat("server ", ToAbsl(uuid), " is on no compute host"));
  }
  return absl::UnavailableError(absl::StrCat(
      silent.size() == 1 ? "compute host " : "compute hosts ",
      absl::StrJoin(silent, ", "), silent.size() == 1 ? " is" : " are",
      " unreachable or still syncing"));
}

}  // namespace porthole::controller
