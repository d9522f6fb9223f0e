#ifndef PORTHOLE_CONTROLLER_FLEET_AGENT_CHANNEL_H_
#define PORTHOLE_CONTROLLER_FLEET_AGENT_CHANNEL_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "porthole/agent/v1/agent.grpc.pb.h"

namespace porthole::controller {

struct BackoffOptions {
  absl::Duration min = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(10);
};

// For a process that follows many agents (the controller, fleet_bench): call
// first thing in main(), before any gRPC call, since gRPC reads its
// experiments once. gRPC 1.51's default experiment "tcp_read_chunks" reads
// into fixed 8 KiB blocks and keeps the unread rest of the last one for the
// next read, so every idle connection holds 8 KiB (a watch stream is idle
// but for a heartbeat a second). Turned off (in GRPC_EXPERIMENTS, beside
// whatever it already names), reads take the chunk sizes NewAgentChannel
// sets. Not thread-safe (setenv).
void TurnOffGrpcFixedReadBlocks();

// The one way a controller opens a channel to an agent: keepalive pings
// every 10 s (a hung agent is noticed within ~15 s, even with no call in
// flight), reconnects with `backoff`, reads into small chunks (1 KiB at
// most; see TurnOffGrpcFixedReadBlocks), and no per-channel extras
// (channelz, BDP probing) that cost memory or pings across thousands of
// agents.
std::shared_ptr<grpc::Channel> NewAgentChannel(
    const std::string& address,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    BackoffOptions backoff);

// Stubs for agents this replica does not follow, for the unary calls a
// request needs (GetConsole, the connect-time port re-check): at most
// `capacity` channels, the least recently used closed first. A stub handed
// out stays usable after its channel is dropped from the cache (the caller
// shares it). Thread-safe.
class AgentChannelCache {
 public:
  using Stub = agent::v1::ConsoleAgent::Stub;

  AgentChannelCache(std::shared_ptr<grpc::ChannelCredentials> credentials,
                    BackoffOptions backoff, size_t capacity);
  AgentChannelCache(const AgentChannelCache&) = delete;
  AgentChannelCache& operator=(const AgentChannelCache&) = delete;

  // The stub for the agent at `address` (host:port), opening its channel on
  // first use.
  std::shared_ptr<Stub> Get(const std::string& address);
  size_t size() const;

 private:
  struct Entry {
    std::string address;
    std::shared_ptr<Stub> stub;
  };

  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const BackoffOptions backoff_;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_address_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_AGENT_CHANNEL_H_
