#include "tests/support/static_server_directory.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "common/uuid.h"
#include "porthole/agent/v1/contract.h"

namespace porthole::controller {

Server RunningServer(const std::string& uuid, agent::v1::Protocol protocol,
                     const std::string& console_host, uint32_t port) {
  Server s;
  s.domain.set_uuid(uuid);
  s.domain.set_state(agent::v1::DOMAIN_STATE_RUNNING);
  agent::v1::Console* c = s.domain.add_consoles();
  c->set_protocol(protocol);
  c->set_host(console_host);
  c->set_port(port);
  s.host = "compute-a";
  return s;
}

namespace v1 = agent::v1;

StaticServerDirectory::StaticServerDirectory(
    const std::vector<Server>& servers) {
  for (const Server& server : servers) Upsert(server);
}

std::vector<Server> StaticServerDirectory::List() const {
  return inventory_.List();
}

absl::StatusOr<Server> StaticServerDirectory::Find(std::string_view uuid) {
  if (std::optional<Server> known = inventory_.Find(uuid)) return *known;
  if (!LooksLikeUuid(uuid)) {
    return absl::NotFoundError(
        absl::StrCat("server ", ToAbsl(uuid), ": not a UUID"));
  }
  return inventory_.MissStatus(uuid);
}

absl::StatusOr<Server> StaticServerDirectory::Reachable(
    const Server& server) const {
  std::optional<Server> stored = inventory_.Find(server.domain.uuid());
  if (!stored.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("domain ", server.domain.uuid(), " not found"));
  }
  if (!stored->host_connected) {
    return absl::UnavailableError(
        absl::StrCat("agent ", stored->host, " is not connected"));
  }
  return *std::move(stored);
}

absl::StatusOr<v1::GetConsoleResponse> StaticServerDirectory::GetConsole(
    const Server& server, v1::Protocol protocol,
    const std::string& request_id) {
  {
    absl::MutexLock lock(&mu_);
    last_request_id_ = request_id;
    ++get_console_calls_;
  }
  absl::StatusOr<Server> stored = Reachable(server);
  if (!stored.ok()) return stored.status();
  return v1::AnswerGetConsole(std::move(stored->domain), protocol);
}

absl::StatusOr<v1::TailConsoleLogResponse>
StaticServerDirectory::TailConsoleLog(const Server& server,
                                      std::optional<int64_t> max_lines,
                                      const std::string& request_id) {
  absl::StatusOr<Server> stored = Reachable(server);
  if (!stored.ok()) return stored.status();
  absl::MutexLock lock(&mu_);
  last_request_id_ = request_id;
  v1::TailConsoleLogResponse response;
  auto log = console_logs_.find(server.domain.uuid());
  if (log == console_logs_.end()) return response;
  std::string_view bytes = log->second;
  if (bytes.size() > v1::kMaxConsoleLogBytes) {
    response.set_truncated_bytes(bytes.size() - v1::kMaxConsoleLogBytes);
    bytes.remove_prefix(bytes.size() - v1::kMaxConsoleLogBytes);
  }
  response.set_console_available(true);
  response.set_output(std::string(v1::TailLines(bytes, max_lines)));
  return response;
}

void StaticServerDirectory::SetConsoleLog(std::string_view uuid,
                                          std::optional<std::string> log) {
  absl::MutexLock lock(&mu_);
  if (log.has_value()) {
    console_logs_.insert_or_assign(std::string(uuid), *std::move(log));
  } else if (auto it = console_logs_.find(uuid); it != console_logs_.end()) {
    console_logs_.erase(it);
  }
}

void StaticServerDirectory::AddHost(std::string_view host) {
  std::vector<std::string> known = inventory_.Agents();
  if (std::find(known.begin(), known.end(), host) != known.end()) return;
  inventory_.AddAgent(host);
  v1::WatchDomainsResponse empty;
  empty.set_change(v1::CHANGE_TYPE_SNAPSHOT);
  empty.set_libvirt_connected(true);
  inventory_.Apply(host, empty);
}

void StaticServerDirectory::Upsert(const Server& server) {
  AddHost(server.host);
  v1::WatchDomainsResponse change;
  change.set_change(v1::CHANGE_TYPE_CONSOLES_CHANGED);
  change.set_libvirt_connected(server.host_connected);
  *change.add_domains() = server.domain;
  inventory_.Apply(server.host, change);
}

void StaticServerDirectory::Remove(std::string_view uuid) {
  std::optional<Server> stored = inventory_.Find(uuid);
  if (!stored.has_value()) return;
  v1::WatchDomainsResponse undefined;
  undefined.set_change(v1::CHANGE_TYPE_UNDEFINED);
  *undefined.add_domains() = stored->domain;
  inventory_.Apply(stored->host, undefined);
}

void StaticServerDirectory::SetHostInSync(std::string_view host, bool in_sync) {
  AddHost(host);
  if (!in_sync) {
    inventory_.MarkAgentDown(host);
    return;
  }
  v1::WatchDomainsResponse snapshot;
  snapshot.set_change(v1::CHANGE_TYPE_SNAPSHOT);
  snapshot.set_libvirt_connected(true);
  for (const Server& server : inventory_.List()) {
    if (server.host == host) *snapshot.add_domains() = server.domain;
  }
  inventory_.Apply(host, snapshot);
}

absl::Time StaticServerDirectory::ConfirmedAt(std::string_view host) const {
  return inventory_.ConfirmedAt(host);
}

void StaticServerDirectory::Confirm(std::string_view host, absl::Time at) {
  inventory_.Confirm(host, at);
}

int StaticServerDirectory::get_console_calls() const {
  absl::MutexLock lock(&mu_);
  return get_console_calls_;
}

std::string StaticServerDirectory::last_request_id() const {
  absl::MutexLock lock(&mu_);
  return last_request_id_;
}

}  // namespace porthole::controller
