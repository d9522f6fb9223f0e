// Times the agent's unary gRPC calls for AgentMetrics.
#ifndef PORTHOLE_AGENT_METRICS_RPC_METRICS_INTERCEPTOR_H_
#define PORTHOLE_AGENT_METRICS_RPC_METRICS_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string_view>

#include "agent/metrics/agent_metrics.h"

namespace porthole::agent {

// A gRPC server interceptor factory (ServerBuilder::experimental()
// .SetInterceptorCreators): each unary call is timed from its arrival to its
// status and reported as AgentMetrics::ObserveRpc(method, code). Streams
// (WatchDomains lives as long as its controller) are not timed. Only the
// methods the agent serves get their own label; any other path is "other",
// so a client cannot mint series. `metrics` must outlive the server.
class RpcMetricsInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(AgentMetrics* metrics)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  AgentMetrics* metrics_;
};

// "/porthole.agent.v1.ConsoleAgent/GetConsole" -> "GetConsole",
// "/grpc.health.v1.Health/Check" -> "Health/Check", anything else "other".
std::string_view RpcMethodLabel(std::string_view path);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_METRICS_RPC_METRICS_INTERCEPTOR_H_
