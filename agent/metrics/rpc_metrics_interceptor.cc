#include "agent/metrics/rpc_metrics_interceptor.h"

#include <array>

#include "absl/time/clock.h"

namespace porthole::agent {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RpcTimer : public grpc::experimental::Interceptor {
 public:
  RpcTimer(std::string_view method, AgentMetrics* metrics)
      : method_(method), metrics_(metrics), started_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->ObserveRpc(
          method_, static_cast<int>(methods->GetSendStatus().error_code()),
          absl::Now() - started_);
    }
    methods->Proceed();
  }

 private:
  const std::string_view method_;  // a literal (RpcMethodLabel)
  AgentMetrics* metrics_;
  const absl::Time started_;
};

}  // namespace

std::string_view RpcMethodLabel(std::string_view path) {
  static constexpr std::array<std::string_view, 3> kAgentMethods = {
      "ListDomains", "GetConsole", "TailConsoleLog"};
  constexpr std::string_view kAgent = "/porthole.agent.v1.ConsoleAgent/";
  if (path.substr(0, kAgent.size()) == kAgent) {
    path.remove_prefix(kAgent.size());
    for (std::string_view known : kAgentMethods) {
      if (path == known) return known;
    }
    return "other";
  }
  if (path == "/grpc.health.v1.Health/Check") return "Health/Check";
  return "other";
}

grpc::experimental::Interceptor*
RpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY) {
    return nullptr;
  }
  return new RpcTimer(RpcMethodLabel(info->method()), metrics_);
}

}  // namespace porthole::agent
