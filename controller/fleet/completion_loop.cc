#include "controller/fleet/completion_loop.h"

#include <algorithm>

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

CompletionLoopPool::CompletionLoopPool(size_t size) {
  loops_.resize(std::max<size_t>(size, 1));
  for (auto& loop : loops_) loop = std::make_unique<CompletionLoop>();
}

size_t CompletionLoopPool::DefaultSize() {
  const size_t cores = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cores, 1, 4);
}

CompletionLoop* CompletionLoopPool::Next() {
  return loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]
      .get();
}

}  // namespace porthole::controller
