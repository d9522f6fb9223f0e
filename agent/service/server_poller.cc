#include "agent/service/server_poller.h"

namespace porthole::agent {
namespace {

// Waits on `cq` without a deadline until it is shut down and empty. A Next()
// that timed out would leave the sockets unpolled until the next call: the
// gap this class exists to close. gRPC handles its unknown-method tags inside
// Next(); nothing else is ever queued here, so a returned tag needs nothing.
void Drain(grpc::ServerCompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {
  }
}

}  // namespace

ServerPoller::ServerPoller(grpc::ServerBuilder& builder)
    : cq_(builder.AddCompletionQueue(/*is_frequently_polled=*/true)) {}

ServerPoller::~ServerPoller() { Stop(); }

void ServerPoller::Start() {
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread(Drain, cq_.get());
}

void ServerPoller::Stop() {
  if (stopped_) return;
  stopped_ = true;
  cq_->Shutdown();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    Drain(cq_.get());  // never started; gRPC wants a queue drained
  }
}

}  // namespace porthole::agent
