// The fleet's completion loops: a pool hands its loops out in turn (links
// spread evenly), each loop runs its handlers on a thread of its own, and a
// pool's threads are fixed by its size, not by what is queued on it.
#include "controller/fleet/completion_loop.h"

#include <grpcpp/alarm.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace porthole::controller {
namespace {

// Records the thread each event ran on.
class ThreadRecorder : public CompletionLoop::Handler {
 public:
  void OnEvent(bool) override {
    absl::MutexLock lock(&mu_);
    threads_.push_back(std::this_thread::get_id());
  }
  // The threads of the first `events` events, once they have run.
  std::vector<std::thread::id> WaitFor(size_t events) {
    absl::MutexLock lock(&mu_);
    wanted_ = events;
    mu_.Await(absl::Condition(this, &ThreadRecorder::Enough));
    return threads_;
  }

 private:
  bool Enough() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return threads_.size() >= wanted_;
  }
  absl::Mutex mu_;
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
  size_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(CompletionLoopPool, Next_HandsOutEveryLoopInTurn) {
  CompletionLoopPool pool(3);
  ASSERT_EQ(pool.size(), 3u);
  std::map<CompletionLoop*, int> uses;
  for (int i = 0; i < 300; ++i) ++uses[pool.Next()];
  ASSERT_EQ(uses.size(), 3u);
  for (const auto& [loop, count] : uses) EXPECT_EQ(count, 100);
}

TEST(CompletionLoopPool, SizeZero_HasOneLoop) {
  CompletionLoopPool pool(0);
  EXPECT_EQ(pool.size(), 1u);
  EXPECT_EQ(pool.Next(), pool.Next());
}

TEST(CompletionLoopPool, DefaultSize_IsBetweenOneAndFour) {
  EXPECT_GE(CompletionLoopPool::DefaultSize(), 1u);
  EXPECT_LE(CompletionLoopPool::DefaultSize(), 4u);
}

TEST(CompletionLoopPool, EachLoopRunsItsEventsOnItsOwnThread) {
  constexpr size_t kLoops = 3;
  constexpr size_t kAlarmsPerLoop = 20;
  CompletionLoopPool pool(kLoops);
  std::vector<ThreadRecorder> recorders(kLoops);
  std::vector<grpc::Alarm> alarms(kLoops * kAlarmsPerLoop);
  for (size_t i = 0; i < alarms.size(); ++i) {
    // Next() goes round the loops, so alarm i is on loop i % kLoops.
    alarms[i].Set(pool.Next()->queue(), std::chrono::system_clock::now(),
                  &recorders[i % kLoops]);
  }
  std::set<std::thread::id> all;
  for (ThreadRecorder& recorder : recorders) {
    const std::vector<std::thread::id> threads =
        recorder.WaitFor(kAlarmsPerLoop);
    const std::set<std::thread::id> distinct(threads.begin(), threads.end());
    EXPECT_EQ(distinct.size(), 1u);  // one loop, one thread
    all.insert(distinct.begin(), distinct.end());
  }
  EXPECT_EQ(all.size(), kLoops);  // and a different thread per loop
  EXPECT_EQ(all.count(std::this_thread::get_id()), 0u);
}

}  // namespace
}  // namespace porthole::controller
