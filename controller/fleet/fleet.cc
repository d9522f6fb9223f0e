#include "controller/fleet/fleet.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/host_port.h"
#include "common/logging.h"
#include "common/text.h"
#include "common/uuid.h"
#include "controller/fleet/host_assignment.h"
#include "porthole/agent/v1/contract.h"

namespace porthole::controller {

namespace v1 = agent::v1;

namespace {

absl::Status FromGrpc(const grpc::Status& status, std::string_view agent) {
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    message = absl::StrCat("agent ", ToAbsl(agent), ": ", message);
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      message);
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration timeout) {
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));
}

// One fan-out: the calls in flight and how many have not completed. Shared
// with the gRPC callbacks, so the last one out frees it.
struct FanOutCalls {
  struct Call {
    std::shared_ptr<AgentLink> link;
    grpc::ClientContext context;
    v1::ListDomainsResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  absl::Mutex mu;
  size_t remaining ABSL_GUARDED_BY(mu) = 0;
  bool Done() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return remaining == 0; }
};

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

Fleet::Fleet(FleetOptions options, ServerGoneCallback on_server_gone,
             FleetIndex* index, std::string replica)
    : options_(std::move(options)),
      on_server_gone_(std::move(on_server_gone)),
      index_(index),
      replica_(std::move(replica)) {}

Fleet::~Fleet() { Stop(); }

absl::Status Fleet::Start() {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      MakeChannelCredentials(options_.tls);
  if (!credentials.ok()) return credentials.status();
  credentials_ = *credentials;
  other_agents_ = std::make_unique<AgentChannelCache>(
      credentials_,
      BackoffOptions{options_.reconnect_min_backoff,
                     options_.reconnect_max_backoff},
      options_.other_agent_channels);
  {
    absl::MutexLock lock(&mu_);
    started_ = true;
    loops_ = std::make_unique<CompletionLoopPool>(
        options_.completion_loops > 0 ? options_.completion_loops
                                      : CompletionLoopPool::DefaultSize());
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
  std::unique_ptr<CompletionLoopPool> loops;
  {
    absl::MutexLock lock(&mu_);
    loops.swap(loops_);
  }
}

std::shared_ptr<AgentLink> Fleet::NewLink(const AgentEndpoint& agent) {
  const std::string name = agent.name;
  WatchEvents events;
  events.on_message = [this, name](const v1::WatchDomainsResponse& message) {
    // A heartbeat also reaches the index: it rewrites the host's state only
    // if someone (a replica that followed the host before) changed it.
    if (index_ != nullptr) index_->Publish(name, message);
    if (message.change() == v1::CHANGE_TYPE_HEARTBEAT) {
      if (message.libvirt_connected()) inventory_.Confirm(name, absl::Now());
      return;
    }
    ReportGone(inventory_.Apply(name, message));
  };
  events.on_down = [this, name] {
    inventory_.MarkAgentDown(name);
    // Not when handed over: the new owner reports the host now.
    if (index_ != nullptr && LinkFor(name) != nullptr) {
      index_->PublishHostDown(name);
    }
  };
  return std::make_shared<AgentLink>(
      agent, credentials_,
      BackoffOptions{options_.reconnect_min_backoff,
                     options_.reconnect_max_backoff},
      std::move(events), loops_->Next());
}

void Fleet::SetAgents(std::vector<AgentEndpoint> agents) {
  {
    absl::MutexLock lock(&mu_);
    configured_ = std::move(agents);
  }
  Follow();
}

void Fleet::SetReplicas(std::vector<std::string> replicas) {
  {
    absl::MutexLock lock(&mu_);
    replicas_ = std::move(replicas);
  }
  Follow();
}

std::vector<AgentEndpoint> Fleet::FollowedLocked() const {
  if (index_ == nullptr || replicas_.empty()) return configured_;
  std::vector<AgentEndpoint> mine;
  for (const AgentEndpoint& agent : configured_) {
    if (OwnerOf(agent.name, replicas_) == replica_) mine.push_back(agent);
  }
  return mine;
}

std::vector<std::string> Fleet::FollowedAgents() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [name, link] : links_) names.push_back(name);
  return names;
}

void Fleet::Follow() {
  std::vector<std::shared_ptr<AgentLink>> to_stop;
  std::vector<std::shared_ptr<AgentLink>> to_start;
  {
    absl::MutexLock lock(&mu_);
    if (!started_) return;
    std::map<std::string, std::shared_ptr<AgentLink>, std::less<>> next;
    for (AgentEndpoint& agent : FollowedLocked()) {
      auto it = links_.find(agent.name);
      if (it != links_.end() && it->second->endpoint() == agent) {
        next.emplace(agent.name, it->second);
        links_.erase(it);
        continue;
      }
      inventory_.AddAgent(agent.name);
      auto link = NewLink(agent);
      to_start.push_back(link);
      next.emplace(agent.name, std::move(link));
    }
    for (auto& [name, link] : links_) to_stop.push_back(link);
    links_.swap(next);
    if (index_ != nullptr && (!to_start.empty() || !to_stop.empty())) {
      LogInfo("fleet", "following ",
              LogField("agents", std::to_string(links_.size())), " ",
              LogField("added", std::to_string(to_start.size())), " ",
              LogField("dropped", std::to_string(to_stop.size())), " ",
              LogField("replicas", std::to_string(replicas_.size())));
    }
  }
  for (auto& link : to_stop) {
    link->Stop();
    const std::string& name = link->endpoint().name;
    if (LinkFor(name) == nullptr) {
      inventory_.RemoveAgent(name);
    } else {
      inventory_.MarkAgentDown(name);  // same name, new address
    }
  }
  for (auto& link : to_start) link->Start();
}

std::shared_ptr<AgentLink> Fleet::LinkFor(std::string_view agent) const {
  absl::MutexLock lock(&mu_);
  auto it = links_.find(agent);
  return it == links_.end() ? nullptr : it->second;
}

bool Fleet::AgentConnected(std::string_view name) const {
  return LinkFor(name) != nullptr && inventory_.InSync(name);
}

void Fleet::ReportGone(const std::vector<GoneServer>& gone) {
  if (!on_server_gone_) return;
  for (const GoneServer& server : gone) {
    on_server_gone_(server.uuid, server.reason);
  }
}

std::vector<Server> Fleet::List() const {
  std::vector<Server> all = inventory_.List();
  if (index_ == nullptr) return all;
  const std::vector<std::string> followed = FollowedAgents();
  for (Server& server : index_->List()) {
    if (!std::binary_search(followed.begin(), followed.end(), server.host)) {
      all.push_back(std::move(server));
    }
  }
  return all;
}

absl::StatusOr<Server> Fleet::Find(std::string_view uuid) {
  if (std::optional<Server> known = inventory_.Find(uuid)) return *known;
  if (!LooksLikeUuid(uuid)) {
    return absl::NotFoundError(
        absl::StrCat("server ", ToAbsl(uuid), ": not a UUID"));
  }
  const std::string id = AsciiLower(uuid);
  if (index_ != nullptr) return FindInIndex(id);
  // A miss: the watch streams may lag, or not be up yet. Ask every agent.
  FanOutAnswers answers = AskEveryAgent(id);
  if (std::optional<Server> found = inventory_.Find(id)) return *found;
  return inventory_.MissStatus(id, answers);
}

absl::StatusOr<Server> Fleet::FindInIndex(const std::string& uuid) {
  if (std::optional<Server> known = index_->Find(uuid)) return *known;
  // Another replica may have written it an instant ago.
  absl::StatusOr<std::optional<Server>> read = index_->Read(uuid);
  if (!read.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "server ", uuid,
        ": the fleet index cannot be read: ", read.status().message()));
  }
  if (read->has_value()) return **read;
  std::vector<std::string> hosts;
  {
    absl::MutexLock lock(&mu_);
    for (const AgentEndpoint& agent : configured_) hosts.push_back(agent.name);
  }
  std::vector<std::string> unsure = index_->NotInSync(hosts);
  // A host followed here is known first hand.
  std::erase_if(unsure, [this](const std::string& host) {
    return inventory_.InSync(host);
  });
  if (unsure.empty()) {
    return absl::NotFoundError(absl::StrCat("server ", uuid, " not found"));
  }
  if (unsure.size() > 3) {
    unsure.resize(3);
    unsure.emplace_back("...");
  }
  return absl::UnavailableError(absl::StrCat(
      "server ", uuid, " not found yet: compute hosts ",
      absl::StrJoin(unsure, ", "), " are unreachable or still syncing"));
}

FanOutAnswers Fleet::AskEveryAgent(const std::string& uuid) {
  // Owned here, never by a callback: the contexts (and the links they hold)
  // must be destroyed on this thread after every callback has run, not on a
  // gRPC thread inside its completion path.
  FanOutCalls fan_out;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, link] : links_) {
      fan_out.calls.push_back(std::make_unique<FanOutCalls::Call>());
      fan_out.calls.back()->link = link;
    }
  }
  {
    absl::MutexLock lock(&fan_out.mu);
    fan_out.remaining = fan_out.calls.size();
  }
  // Every callback runs by the deadline at the latest, so waiting for all of
  // them is bounded by the timeout.
  const auto deadline = DeadlineAfter(options_.timeout);
  for (auto& call : fan_out.calls) {
    FanOutCalls::Call* raw = call.get();
    raw->context.set_deadline(deadline);
    raw->link->stub()->async()->ListDomains(
        &raw->context, &v1::ListDomainsRequest::default_instance(),
        &raw->response, [raw, &fan_out](grpc::Status status) {
          raw->status = std::move(status);
          absl::MutexLock lock(&fan_out.mu);
          --fan_out.remaining;
        });
  }
  {
    absl::MutexLock lock(&fan_out.mu);
    fan_out.mu.Await(absl::Condition(&fan_out, &FanOutCalls::Done));
  }

  FanOutAnswers answers;
  for (const auto& call : fan_out.calls) {
    const std::string& name = call->link->endpoint().name;
    const grpc::StatusCode code = call->status.error_code();
    if (code == grpc::StatusCode::UNAVAILABLE ||
        code == grpc::StatusCode::DEADLINE_EXCEEDED) {
      answers.unreachable.insert(name);
    }
    if (!call->status.ok()) continue;
    answers.answered.insert(name);
    // It answers while its stream is down: watch again now, not after the
    // backoff.
    if (!call->link->connected()) call->link->RetryNow();
    for (const v1::Domain& d : call->response.domains()) {
      if (d.uuid() != uuid) continue;
      ReportGone(
          inventory_.AddListed(name, d, call->response.libvirt_connected()));
    }
  }
  return answers;
}

absl::Time Fleet::ConfirmedAt(std::string_view host) const {
  return inventory_.ConfirmedAt(host);
}

absl::StatusOr<std::shared_ptr<v1::ConsoleAgent::Stub>> Fleet::CallableStub(
    const std::string& host, const std::string& request_id,
    grpc::ClientContext& context) const {
  std::shared_ptr<v1::ConsoleAgent::Stub> stub;
  if (std::shared_ptr<AgentLink> link = LinkFor(host)) {
    stub = std::shared_ptr<v1::ConsoleAgent::Stub>(link, link->stub());
  } else {
    std::string address;
    {
      absl::MutexLock lock(&mu_);
      for (const AgentEndpoint& agent : configured_) {
        if (agent.name == host) address = agent.address;
      }
    }
    if (address.empty() || other_agents_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("no agent configured for host ", host));
    }
    stub = other_agents_->Get(address);
  }
  context.set_deadline(DeadlineAfter(options_.timeout));
  context.AddMetadata(v1::kRequestIdMetadataKey, request_id);
  return stub;
}

absl::StatusOr<v1::GetConsoleResponse> Fleet::GetConsole(
    const Server& server, v1::Protocol protocol,
    const std::string& request_id) {
  grpc::ClientContext context;
  absl::StatusOr<std::shared_ptr<v1::ConsoleAgent::Stub>> stub =
      CallableStub(server.host, request_id, context);
  if (!stub.ok()) return stub.status();
  v1::GetConsoleRequest request;
  request.set_uuid(server.domain.uuid());
  request.set_protocol(protocol);
  v1::GetConsoleResponse response;
  grpc::Status status = (*stub)->GetConsole(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, server.host);
  return response;
}

absl::StatusOr<v1::TailConsoleLogResponse> Fleet::TailConsoleLog(
    const Server& server, std::optional<int64_t> max_lines,
    const std::string& request_id) {
  grpc::ClientContext context;
  absl::StatusOr<std::shared_ptr<v1::ConsoleAgent::Stub>> stub =
      CallableStub(server.host, request_id, context);
  if (!stub.ok()) return stub.status();
  v1::TailConsoleLogRequest request;
  request.set_uuid(server.domain.uuid());
  if (max_lines.has_value()) request.set_max_lines(*max_lines);
  request.set_max_bytes(v1::kMaxConsoleLogBytes);
  v1::TailConsoleLogResponse response;
  grpc::Status status = (*stub)->TailConsoleLog(&context, request, &response);
  if (!status.ok()) return FromGrpc(status, server.host);
  return response;
}

}  // namespace porthole::controller
