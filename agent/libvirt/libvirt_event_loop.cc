#include "agent/libvirt/libvirt_event_loop.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/libvirt/libvirt_error.h"
#include "common/logging.h"

namespace porthole::agent {
namespace {

constexpr char kLog[] = "libvirt";
// How long the event loop keeps iterating after its last user has gone.
constexpr absl::Duration kDrainTime = absl::Milliseconds(20);

// libvirt prints every error to stderr unless told otherwise; we report the
// ones that matter through our own logger.
void IgnoreLibvirtError(void*, virErrorPtr) {}

void InitLibvirtOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virInitialize() < 0) LogError(kLog, "virInitialize failed");
    virSetErrorFunc(nullptr, IgnoreLibvirtError);
    // Must precede the first virConnectOpen: connections pick up the event
    // implementation that is registered when they are opened.
    if (virEventRegisterDefaultImpl() < 0) {
      LogError(kLog,
               "virEventRegisterDefaultImpl failed: events will not work");
    }
  });
}

}  // namespace

ABSL_CONST_INIT absl::Mutex LibvirtEventLoop::mu_(absl::kConstInit);
int LibvirtEventLoop::refs_ = 0;
LibvirtEventLoop* LibvirtEventLoop::loop_ = nullptr;

std::shared_ptr<LibvirtEventLoop> LibvirtEventLoop::Acquire() {
  InitLibvirtOnce();
  absl::MutexLock lock(&mu_);
  if (refs_++ == 0) loop_ = new LibvirtEventLoop();
  return std::shared_ptr<LibvirtEventLoop>(
      loop_, [](LibvirtEventLoop*) { Release(); });
}

LibvirtEventLoop::LibvirtEventLoop() : thread_([this] { Run(); }) {}

LibvirtEventLoop::~LibvirtEventLoop() {
  stop_.store(true);
  // A short periodic timeout wakes the blocked iteration now and bounds
  // the draining ones in Run().
  int timer = virEventAddTimeout(
      1, [](int, void*) {}, nullptr, nullptr);
  thread_.join();
  if (timer >= 0) virEventRemoveTimeout(timer);
}

void LibvirtEventLoop::Release() {
  absl::MutexLock lock(&mu_);
  if (--refs_ == 0) {
    // Under mu_, so a new loop cannot start before this one has stopped.
    delete loop_;
    loop_ = nullptr;
  }
}

void LibvirtEventLoop::Run() {
  while (!stop_.load()) {
    if (virEventRunDefaultImpl() < 0) {
      LogError(kLog,
               "virEventRunDefaultImpl failed: ", LastLibvirtError().message());
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  // libvirt frees what a closed connection registered (and with it the
  // socket) from idle callbacks of the loop: let them run before the loop
  // goes quiet, or they wait for the next LibvirtHost to start it.
  const absl::Time deadline = absl::Now() + kDrainTime;
  while (absl::Now() < deadline) virEventRunDefaultImpl();
}

}  // namespace porthole::agent
