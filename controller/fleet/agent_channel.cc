#include "controller/fleet/agent_channel.h"

#include <utility>

namespace porthole::controller {

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
