#include "controller/fleet/static_server_directory.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

// The agent's rule: only a live QEMU process has console listeners.
bool ServesConsoles(agent::v1::DomainState state) {
  return state == agent::v1::DOMAIN_STATE_RUNNING ||
         state == agent::v1::DOMAIN_STATE_BLOCKED ||
         state == agent::v1::DOMAIN_STATE_PAUSED;
}

}  // namespace

StaticServerDirectory::StaticServerDirectory(std::vector<Server> servers)
    : servers_(std::move(servers)) {}

std::vector<Server> StaticServerDirectory::List() const {
  absl::MutexLock lock(&mu_);
  return servers_;
}

std::optional<Server> StaticServerDirectory::Find(std::string_view uuid) {
  absl::MutexLock lock(&mu_);
  for (const Server& server : servers_) {
    if (server.domain.uuid() == uuid) return server;
  }
  return std::nullopt;
}

absl::StatusOr<agent::v1::GetConsoleResponse> StaticServerDirectory::GetConsole(
    const Server& server, agent::v1::Protocol protocol,
    const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  last_request_id_ = request_id;
  auto it = std::find_if(
      servers_.begin(), servers_.end(),
      [&](const Server& s) { return s.domain.uuid() == server.domain.uuid(); });
  if (it == servers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("domain ", server.domain.uuid(), " not found"));
  }
  if (!it->host_connected) {
    return absl::UnavailableError(
        absl::StrCat("agent ", it->host, " is not connected"));
  }
  if (!ServesConsoles(it->domain.state())) {
    return absl::FailedPreconditionError(
        absl::StrCat("domain ", it->domain.uuid(), " is not running"));
  }
  agent::v1::GetConsoleResponse response;
  *response.mutable_domain() = it->domain;
  for (const agent::v1::Console& console : it->domain.consoles()) {
    if (console.protocol() == protocol) {
      *response.mutable_console() = console;
      break;
    }
  }
  return response;
}

void StaticServerDirectory::Upsert(Server server) {
  absl::MutexLock lock(&mu_);
  for (Server& existing : servers_) {
    if (existing.domain.uuid() == server.domain.uuid()) {
      existing = std::move(server);
      return;
    }
  }
  servers_.push_back(std::move(server));
}

void StaticServerDirectory::Remove(std::string_view uuid) {
  absl::MutexLock lock(&mu_);
  servers_.erase(
      std::remove_if(servers_.begin(), servers_.end(),
                     [&](const Server& s) { return s.domain.uuid() == uuid; }),
      servers_.end());
}

std::string StaticServerDirectory::last_request_id() const {
  absl::MutexLock lock(&mu_);
  return last_request_id_;
}

}  // namespace porthole::controller
