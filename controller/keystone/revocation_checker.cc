#include "controller/keystone/revocation_checker.h"

#include <algorithm>
#include <string>
#include <utility>

#include "common/logging.h"

namespace porthole::controller::keystone {

RevocationChecker::RevocationChecker(EventSource source,
                                     ChangeFunction on_change)
    : source_(std::move(source)), on_change_(std::move(on_change)) {}

RevocationChecker::~RevocationChecker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RevocationChecker::Start(absl::Duration interval) {
  thread_ = std::thread([this, interval] { Run(interval); });
}

void RevocationChecker::Run(absl::Duration interval) {
  while (true) {
    (void)CheckNow();  // a failure is logged there
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval);
    if (stopping_) return;
  }
}

absl::Status RevocationChecker::CheckNow() {
  absl::MutexLock fetch(&fetch_mu_);
  absl::StatusOr<std::vector<RevocationEvent>> events = source_();
  if (!events.ok()) {
    if (!failing_) {
      LogError("keystone",
               "cannot fetch revocation events; live sessions are checked "
               "against the last ones fetched ",
               LogField("error", std::string(events.status().message())));
    }
    failing_ = true;
    return events.status();
  }
  if (failing_) LogInfo("keystone", "revocation events fetched again");
  failing_ = false;
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = *events != events_;
    if (changed) events_ = *std::move(events);
  }
  if (changed && on_change_) on_change_(*this);
  return absl::OkStatus();
}

bool RevocationChecker::IsRevoked(const IssuingToken& token) const {
  absl::ReaderMutexLock lock(&mu_);
  return std::any_of(
      events_.begin(), events_.end(),
      [&token](const RevocationEvent& event) { return Revokes(event, token); });
}

}  // namespace porthole::controller::keystone
