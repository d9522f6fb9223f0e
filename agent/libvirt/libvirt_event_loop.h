#ifndef PORTHOLE_AGENT_LIBVIRT_LIBVIRT_EVENT_LOOP_H_
#define PORTHOLE_AGENT_LIBVIRT_LIBVIRT_EVENT_LOOP_H_

#include <atomic>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace porthole::agent {

// libvirt's default event loop (virEventRegisterDefaultImpl), shared by
// every connection in the process: one thread runs virEventRunDefaultImpl()
// while at least one reference from Acquire() is held, and libvirt calls
// every event, keepalive and close callback on it. The last reference stops
// and joins the thread, so it must never be dropped on the loop thread
// (callbacks hold no reference). Acquire() is thread-safe.
class LibvirtEventLoop {
 public:
  // Initialises libvirt once per process (error printing off, the default
  // event implementation registered before any connection opens) and starts
  // the loop thread if it is not running.
  static std::shared_ptr<LibvirtEventLoop> Acquire();

  LibvirtEventLoop(const LibvirtEventLoop&) = delete;
  LibvirtEventLoop& operator=(const LibvirtEventLoop&) = delete;

 private:
  LibvirtEventLoop();
  ~LibvirtEventLoop();
  static void Release();
  void Run();

  static absl::Mutex mu_;
  static int refs_ ABSL_GUARDED_BY(mu_);
  static LibvirtEventLoop* loop_ ABSL_GUARDED_BY(mu_);

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_LIBVIRT_EVENT_LOOP_H_
