#ifndef PORTHOLE_CONTROLLER_KEYSTONE_REVOCATION_CHECKER_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_REVOCATION_CHECKER_H_

#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/auth/access_revocations.h"
#include "controller/keystone/revocation_event.h"

namespace porthole::controller::keystone {

// Keystone's revocation events, kept in memory and fetched again every
// `interval` on a thread of its own ([keystone_authtoken]
// revocation_check_interval), answer whether a URL's issuing access was
// taken back. After a fetch that changed the events it calls `on_change`
// with itself, on that thread: the daemon then ends the live sessions they
// revoke (IsRevoked may be called from within). A
// failed fetch keeps the events it has (an outage of Keystone ends no
// session and admits none its last events revoke), is logged once per
// outage, and is retried at the next interval. Thread-safe.
class RevocationChecker : public AccessRevocations {
 public:
  using EventSource =
      std::function<absl::StatusOr<std::vector<RevocationEvent>>()>;
  using ChangeFunction = std::function<void(const AccessRevocations& now)>;

  RevocationChecker(EventSource source, ChangeFunction on_change);
  ~RevocationChecker() override;  // stops and joins the thread
  RevocationChecker(const RevocationChecker&) = delete;
  RevocationChecker& operator=(const RevocationChecker&) = delete;

  // Fetches now and every `interval` after, on its own thread. Once.
  void Start(absl::Duration interval);

  // One fetch on the caller's thread (the first, at startup; tests).
  absl::Status CheckNow();

  bool IsRevoked(const IssuingToken& token) const override;

 private:
  void Run(absl::Duration interval);

  const EventSource source_;
  const ChangeFunction on_change_;
  absl::Mutex fetch_mu_;  // one fetch at a time
  mutable absl::Mutex mu_ ABSL_ACQUIRED_AFTER(fetch_mu_);
  std::vector<RevocationEvent> events_ ABSL_GUARDED_BY(mu_);
  bool failing_ ABSL_GUARDED_BY(fetch_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_REVOCATION_CHECKER_H_
