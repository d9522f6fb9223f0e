#include "controller/fleet/completion_loop.h"

namespace porthole::controller {

CompletionLoop::CompletionLoop() {
  thread_ = std::thread([this] {
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) static_cast<Handler*>(tag)->OnEvent(ok);
  });
}

CompletionLoop::~CompletionLoop() {
  queue_.Shutdown();
  thread_.join();
}

}  // namespace porthole::controller
