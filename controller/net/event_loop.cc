#include "controller/net/event_loop.h"

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on
#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace porthole::controller::net {

namespace asio = boost::asio;

struct EventLoop::State {
  explicit State(int n) : threads(std::max(1, n)), io(std::in_place, threads) {}

  const int threads;
  std::optional<asio::io_context> io;  // reset by Stop
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>>
      work;
  std::vector<std::thread> runners;
  std::atomic<bool> running{false};
  bool stopped = false;
};

EventLoop::EventLoop(int threads) : state_(std::make_unique<State>(threads)) {}

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Start() {
  if (state_->running.load() || state_->stopped) return;
  // Without work the threads would return as soon as the last listener
  // closes, before the servers' drains are over.
  state_->work.emplace(state_->io->get_executor());
  for (int i = 0; i < state_->threads; ++i) {
    state_->runners.emplace_back([this] { state_->io->run(); });
  }
  state_->running = true;
}

void EventLoop::Stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->work.reset();
  state_->io->stop();
  for (std::thread& t : state_->runners) t.join();
  state_->runners.clear();
  state_->running = false;
  // Destroying the context destroys the coroutines still suspended on it,
  // and with them their sockets.
  state_->io.reset();
}

asio::io_context& EventLoop::context() { return *state_->io; }
int EventLoop::threads() const { return state_->threads; }
bool EventLoop::running() const { return state_->running.load(); }

}  // namespace porthole::controller::net
