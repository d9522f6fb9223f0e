#include "controller/fleet/agent_channel.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/match.h"

namespace porthole::controller {

void TurnOffGrpcFixedReadBlocks() {
  constexpr char kVariable[] = "GRPC_EXPERIMENTS";
  const char* named = std::getenv(kVariable);
  std::string experiments = named == nullptr ? "" : named;
  // An operator who names the experiment either way has the last word.
  if (absl::StrContains(experiments, "tcp_read_chunks")) return;
  if (!experiments.empty()) experiments += ",";
  experiments += "-tcp_read_chunks";
  setenv(kVariable, experiments.c_str(), 1);
}

std::shared_ptr<grpc::Channel> NewAgentChannel(
    const std::string& address,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    BackoffOptions backoff) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(backoff.min)));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(backoff.max)));
  // A controller follows thousands of agents: no channelz node and trace
  // per channel (~3 KiB each), and no BDP probe pings (the watch streams
  // carry small messages; a window sized for bulk transfer buys nothing).
  args.SetInt(GRPC_ARG_ENABLE_CHANNELZ, 0);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  // An idle connection keeps the unread rest of its last read chunk: 1 KiB
  // at most instead of 8 (with TurnOffGrpcFixedReadBlocks; ~6 KiB per agent
  // at 1,000 x 0, docs/benchmarks.md). A snapshot takes a few more reads.
  args.SetInt(GRPC_ARG_TCP_READ_CHUNK_SIZE, 512);
  args.SetInt(GRPC_ARG_TCP_MIN_READ_CHUNK_SIZE, 256);
  args.SetInt(GRPC_ARG_TCP_MAX_READ_CHUNK_SIZE, 1024);
  return grpc::CreateCustomChannel(address, credentials, args);
}

AgentChannelCache::AgentChannelCache(
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    BackoffOptions backoff, size_t capacity)
    : credentials_(std::move(credentials)),
      backoff_(backoff),
      capacity_(capacity == 0 ? 1 : capacity) {}

std::shared_ptr<AgentChannelCache::Stub> AgentChannelCache::Get(
    const std::string& address) {
  absl::MutexLock lock(&mu_);
  if (auto it = by_address_.find(address); it != by_address_.end()) {
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->stub;
  }
  entries_.push_front(
      {address, agent::v1::ConsoleAgent::NewStub(
                    NewAgentChannel(address, credentials_, backoff_))});
  by_address_[address] = entries_.begin();
  if (entries_.size() > capacity_) {
    by_address_.erase(entries_.back().address);
    entries_.pop_back();
  }
  return entries_.front().stub;
}

size_t AgentChannelCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace porthole::controller
