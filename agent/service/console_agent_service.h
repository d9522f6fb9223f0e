#ifndef PORTHOLE_AGENT_SERVICE_CONSOLE_AGENT_SERVICE_H_
#define PORTHOLE_AGENT_SERVICE_CONSOLE_AGENT_SERVICE_H_

#include <cstddef>

#include "agent/domain/inventory.h"
#include "agent/libvirt/libvirt_host.h"
#include "porthole/agent/v1/agent.grpc.pb.h"

namespace porthole::agent {

// The gRPC face of the agent. ListDomains answers from the Inventory on a
// callback (it never blocks); GetConsole reads the live XML through
// LibvirtHost on the sync server's thread pool, since a libvirt call may
// block on a hung daemon until keepalive gives up; TailConsoleLog reads the
// live XML the same way, then at most kMaxConsoleLogBytes of the log file it
// names (ReadConsoleLogPath, ReadConsoleLogTail); WatchDomains is a callback
// stream fed by Inventory listeners, so a watcher costs no thread.
// A watcher that falls `max_queued_changes` behind is ended with
// RESOURCE_EXHAUSTED; it reconnects and starts from a fresh snapshot.
// The request id a client sends as `x-openstack-request-id` metadata appears
// in every log line of that call. Neither dependency is owned.
class ConsoleAgentService
    : public v1::ConsoleAgent::WithCallbackMethod_ListDomains<
          v1::ConsoleAgent::WithCallbackMethod_WatchDomains<
              v1::ConsoleAgent::Service>> {
 public:
  static constexpr size_t kDefaultMaxQueuedChanges = 4096;

  ConsoleAgentService(Inventory* inventory, LibvirtHost* host,
                      size_t max_queued_changes = kDefaultMaxQueuedChanges);

  grpc::ServerUnaryReactor* ListDomains(
      grpc::CallbackServerContext* context,
      const v1::ListDomainsRequest* request,
      v1::ListDomainsResponse* response) override;
  grpc::Status GetConsole(grpc::ServerContext* context,
                          const v1::GetConsoleRequest* request,
                          v1::GetConsoleResponse* response) override;
  grpc::Status TailConsoleLog(grpc::ServerContext* context,
                              const v1::TailConsoleLogRequest* request,
                              v1::TailConsoleLogResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchDomainsResponse>* WatchDomains(
      grpc::CallbackServerContext* context,
      const v1::WatchDomainsRequest* request) override;

 private:
  Inventory* inventory_;
  LibvirtHost* host_;
  size_t max_queued_changes_;
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_SERVICE_CONSOLE_AGENT_SERVICE_H_
