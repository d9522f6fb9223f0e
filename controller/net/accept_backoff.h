// What a listener does when accept(2) fails: at once again, or after a
// pause. Pure, so the policy is tested without running out of descriptors.
#ifndef PORTHOLE_CONTROLLER_NET_ACCEPT_BACKOFF_H_
#define PORTHOLE_CONTROLLER_NET_ACCEPT_BACKOFF_H_

#include <cstdint>

#include "absl/time/time.h"

namespace porthole::controller::net {

// An error that one client caused (it reset the connection before we took
// it) costs that connection only: accept again at once. Any other error,
// above all EMFILE/ENFILE/ENOBUFS/ENOMEM, leaves the connection queued, so
// an immediate retry fails the same way and spins a core: wait, doubling
// the pause from kFirstPause up to kMaxPause, until an accept succeeds.
// One object per accept loop; not thread-safe.
class AcceptBackoff {
 public:
  static constexpr absl::Duration kFirstPause = absl::Milliseconds(10);
  static constexpr absl::Duration kMaxPause = absl::Milliseconds(500);

  // How long to wait after an accept failed with `error` (an errno value);
  // zero: accept again at once.
  absl::Duration OnError(int error);
  // After a successful accept: the next failure starts over.
  void OnSuccess();

  // Failures since the last success (for the log line on recovery).
  uint64_t failures() const { return failures_; }
  // True for the errors that mean "out of descriptors or memory".
  static bool IsResourceExhaustion(int error);

 private:
  absl::Duration next_pause_ = kFirstPause;
  uint64_t failures_ = 0;
};

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_ACCEPT_BACKOFF_H_
