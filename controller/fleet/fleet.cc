#include "controller/fleet/fleet.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "porthole/agent/v1/agent.grpc.pb.h"

namespace porthole::controller {

namespace v1 = agent::v1;

namespace {

constexpr char kRequestIdKey[] = "x-openstack-request-id";

bool IsActive(v1::DomainState state) {
  return state == v1::DOMAIN_STATE_RUNNING ||
         state == v1::DOMAIN_STATE_BLOCKED ||
         state == v1::DOMAIN_STATE_PAUSED ||
         state == v1::DOMAIN_STATE_SHUTDOWN ||
         state == v1::DOMAIN_STATE_PMSUSPENDED;
}

bool LooksLikeUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-'
             : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) {
      return false;
    }
  }
  return true;
}

absl::Status FromGrpc(const grpc::Status& status, std::string_view agent) {
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message = absl::StrCat("agent ", std::string(agent), ": ", message);
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      message);
}

}  // namespace

absl::StatusOr<std::vector<AgentEndpoint>> ParseAgentHosts(
    std::string_view text) {
  std::vector<AgentEndpoint> agents;
  for (absl::string_view raw :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',',
                      absl::SkipWhitespace())) {
    std::string entry(absl::StripAsciiWhitespace(raw));
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("agent '", entry, "': expected NAME=HOST:PORT"));
    }
    AgentEndpoint agent{
        std::string(absl::StripAsciiWhitespace(entry.substr(0, eq))),
        std::string(absl::StripAsciiWhitespace(entry.substr(eq + 1)))};
    absl::StatusOr<HostPort> address = ParseHostPort(agent.address);
    if (!address.ok() || address->port == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("agent '", entry, "': expected NAME=HOST:PORT"));
    }
    for (const AgentEndpoint& seen : agents) {
      if (seen.name == agent.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("agent name '", agent.name, "' appears twice"));
      }
    }
    agents.push_back(std::move(agent));
  }
  return agents;
}

// One agent: its channel, stub and the thread that keeps WatchDomains open.
class Fleet::AgentLink {
 public:
  AgentLink(Fleet* fleet, AgentEndpoint endpoint,
            const std::shared_ptr<grpc::ChannelCredentials>& credentials)
      : fleet_(fleet), endpoint_(std::move(endpoint)) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(
                    fleet->options_.reconnect_min_backoff)));
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                static_cast<int>(absl::ToInt64Milliseconds(
                    fleet->options_.reconnect_max_backoff)));
    channel_ = grpc::CreateCustomChannel(endpoint_.address, credentials, args);
    stub_ = v1::ConsoleAgent::NewStub(channel_);
  }

  ~AgentLink() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { WatchLoop(); });
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (context_ != nullptr) context_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }

  const AgentEndpoint& endpoint() const { return endpoint_; }
  v1::ConsoleAgent::Stub* stub() { return stub_.get(); }
  bool connected() const { return connected_.load(); }

 private:
  void WatchLoop() {
    absl::Duration backoff = fleet_->options_.reconnect_min_backoff;
    for (;;) {
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        context_ = &context;
      }
      auto reader = stub_->WatchDomains(&context, v1::WatchDomainsRequest());
      v1::WatchDomainsResponse message;
      bool got_any = false;
      while (reader->Read(&message)) {
        if (!got_any) {
          LogInfo("fleet", "agent connected ",
                  LogField("agent", endpoint_.name), " ",
                  LogField("address", endpoint_.address));
          got_any = true;
          connected_ = true;
          backoff = fleet_->options_.reconnect_min_backoff;
        }
        fleet_->ApplyWatchMessage(endpoint_.name, message);
      }
      grpc::Status status = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
        if (stopping_) return;
      }
      if (connected_.exchange(false) || !got_any) {
        if (got_any || !reported_down_) {
          LogWarning("fleet", "agent unreachable ",
                     LogField("agent", endpoint_.name), " ",
                     LogField("address", endpoint_.address), " ",
                     LogField("error", status.error_message()));
        }
        reported_down_ = true;
      }
      fleet_->MarkAgentDown(endpoint_.name);
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
      backoff = std::min(backoff * 2, fleet_->options_.reconnect_max_backoff);
    }
  }

  Fleet* const fleet_;
  const AgentEndpoint endpoint_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ConsoleAgent::Stub> stub_;
  std::thread thread_;
  std::atomic<bool> connected_{false};
  bool reported_down_ = false;  // only the watch thread touches it
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

Fleet::Fleet(FleetOptions options, ServerGoneCallback on_server_gone)
    : options_(std::move(options)),
      on_server_gone_(std::move(on_server_gone)) {}

Fleet::~Fleet() { Stop(); }

absl::Status Fleet::Start() {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(options_.tls);
  if (!credentials.ok()) return credentials.status();
  credentials_ = *credentials;
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
  }
  SetAgents(options_.agents);
  return absl::OkStatus();
}

void Fleet::Stop() {
  std::map<std::string, std::shared_ptr<AgentLink>, std::less<>> links;
  {
    absl::MutexLock lock(&mu_);
    started_ = false;
    links.swap(links_);
  }
  for (auto& [name, link] : links) link->Stop();
}

void Fleet::SetAgents(std::vector<AgentEndpoint> agents) {
  std::vector<std::shared_ptr<AgentLink>> to_stop;
  std::vector<std::shared_ptr<AgentLink>> to_start;
  {
    absl::MutexLock lock(&mu_);
    if (!started_) return;
    std::map<std::string, std::shared_ptr<AgentLink>, std::less<>> next;
    for (AgentEndpoint& agent : agents) {
      auto it = links_.find(agent.name);
      if (it != links_.end() && it->second->endpoint() == agent) {
        next.emplace(agent.name, it->second);
        links_.erase(it);
        continue;
      }
      auto link = std::make_shared<AgentLink>(this, agent, credentials_);
      to_start.push_back(link);
      next.emplace(agent.name, std::move(link));
    }
    for (auto& [name, link] : links_) to_stop.push_back(link);
    links_.swap(next);
  }
  for (auto& link : to_stop) {
    link->Stop();
    absl::MutexLock lock(&mu_);
    std::erase_if(servers_, [&](const auto& entry) {
      return entry.second.host == link->endpoint().name &&
             !links_.contains(link->endpoint().name);
    });
  }
  for (auto& link : to_start) link->Start();
}

std::shared_ptr<Fleet::AgentLink> Fleet::LinkFor(std::string_view agent) const {
  absl::MutexLock lock(&mu_);
  auto it = links_.find(agent);
  return it == links_.end() ? nullptr : it->second;
}

bool Fleet::AgentConnected(std::string_view name) const {
  std::shared_ptr<AgentLink> link = LinkFor(name);
  return link != nullptr && link->connected();
}

void Fleet::UpsertLocked(const std::string& agent, const v1::Domain& domain,
                         bool connected, std::vector<std::string>* gone) {
  auto it = servers_.find(domain.uuid());
  if (it != servers_.end() && it->second.host != agent) {
    // The same server on two hosts happens during a migration: the active
    // copy wins, and a move revokes the tokens that point at the old host.
    if (!IsActive(domain.state()) && IsActive(it->second.domain.state()) &&
        it->second.host_connected) {
      return;
    }
    gone->push_back(domain.uuid());
  } else if (it != servers_.end() && IsActive(it->second.domain.state()) &&
             !IsActive(domain.state())) {
    gone->push_back(domain.uuid());
  }
  servers_.insert_or_assign(domain.uuid(), Server{domain, agent, connected});
}

void Fleet::ApplyWatchMessage(const std::string& agent,
                              const v1::WatchDomainsResponse& message) {
  std::vector<std::string> gone;
  const bool connected = message.libvirt_connected();
  {
    absl::MutexLock lock(&mu_);
    switch (message.change()) {
      case v1::CHANGE_TYPE_SNAPSHOT:
      case v1::CHANGE_TYPE_RESYNCED: {
        std::map<std::string, bool, std::less<>> listed;
        for (const v1::Domain& d : message.domains()) listed[d.uuid()] = true;
        for (auto it = servers_.begin(); it != servers_.end();) {
          if (it->second.host == agent && !listed.contains(it->first)) {
            gone.push_back(it->first);
            it = servers_.erase(it);
          } else {
            ++it;
          }
        }
        for (const v1::Domain& d : message.domains()) {
          UpsertLocked(agent, d, connected, &gone);
        }
        break;
      }
      case v1::CHANGE_TYPE_UNDEFINED:
        for (const v1::Domain& d : message.domains()) {
          auto it = servers_.find(d.uuid());
          if (it != servers_.end() && it->second.host == agent) {
            servers_.erase(it);
            gone.push_back(d.uuid());
          }
        }
        break;
      case v1::CHANGE_TYPE_DISCONNECTED:
        for (auto& [uuid, server] : servers_) {
          if (server.host == agent) server.host_connected = false;
        }
        break;
      default:
        for (const v1::Domain& d : message.domains()) {
          UpsertLocked(agent, d, connected, &gone);
        }
        break;
    }
  }
  ReportGone(gone, v1::ChangeType_Name(message.change()));
}

void Fleet::MarkAgentDown(const std::string& agent) {
  absl::MutexLock lock(&mu_);
  for (auto& [uuid, server] : servers_) {
    if (server.host == agent) server.host_connected = false;
  }
}

void Fleet::ReportGone(const std::vector<std::string>& uuids,
                       std::string_view reason) {
  if (!on_server_gone_) return;
  for (const std::string& uuid : uuids) on_server_gone_(uuid, reason);
}

std::vector<Server> Fleet::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<Server> servers;
  servers.reserve(servers_.size());
  for (const auto& [uuid, server] : servers_) servers.push_back(server);
  return servers;
}

std::optional<Server> Fleet::Find(std::string_view uuid) {
  std::string id = absl::AsciiStrToLower(std::string(uuid));
  {
    absl::MutexLock lock(&mu_);
    auto it = servers_.find(id);
    if (it != servers_.end()) return it->second;
  }
  if (!LooksLikeUuid(id)) return std::nullopt;  // names never reach agents

  // A miss: the watch streams may lag. Ask every agent at once, bounded.
  std::vector<std::shared_ptr<AgentLink>> links;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, link] : links_) links.push_back(link);
  }
  struct Call {
    grpc::ClientContext context;
    v1::ListDomainsResponse response;
    grpc::Status status;
  };
  // Every callback runs by the deadline at the latest, so waiting for all of
  // them is bounded by the timeout.
  struct Pending {
    absl::Mutex mu;
    size_t remaining ABSL_GUARDED_BY(mu) = 0;
    bool Done() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return remaining == 0; }
  } pending;
  {
    absl::MutexLock lock(&pending.mu);
    pending.remaining = links.size();
  }
  std::vector<std::unique_ptr<Call>> calls;
  const auto deadline =
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options_.timeout));
  for (auto& link : links) {
    auto call = std::make_unique<Call>();
    call->context.set_deadline(deadline);
    Call* raw = call.get();
    link->stub()->async()->ListDomains(
        &raw->context, &v1::ListDomainsRequest::default_instance(),
        &raw->response, [raw, &pending](grpc::Status s) {
          raw->status = std::move(s);
          absl::MutexLock lock(&pending.mu);
          --pending.remaining;
        });
    calls.push_back(std::move(call));
  }
  {
    absl::MutexLock lock(&pending.mu);
    pending.mu.Await(absl::Condition(&pending, &Pending::Done));
  }
  std::optional<Server> found;
  std::vector<std::string> gone;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < calls.size(); ++i) {
      if (!calls[i]->status.ok()) continue;
      for (const v1::Domain& d : calls[i]->response.domains()) {
        if (d.uuid() != id) continue;
        UpsertLocked(links[i]->endpoint().name, d,
                     calls[i]->response.libvirt_connected(), &gone);
        found = servers_.at(id);
      }
    }
  }
  ReportGone(gone, "found on another host");
  return found;
}

absl::StatusOr<v1::GetConsoleResponse> Fleet::GetConsole(
    const Server& server, v1::Protocol protocol,
    const std::string& request_id) {
  std::shared_ptr<AgentLink> link = LinkFor(server.host);
  if (link == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("no agent configured for host ", server.host));
  }
  grpc::ClientContext context;
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::ToInt64Milliseconds(options_.timeout)));
  context.AddMetadata(kRequestIdKey, request_id);
  v1::GetConsoleRequest request;
  request.set_uuid(server.domain.uuid());
  request.set_protocol(protocol);
  v1::GetConsoleResponse response;
  grpc::Status status = link->stub()->GetConsole(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, server.host);
  return response;
}

}  // namespace porthole::controller
