#include "agent/libvirt/connection_opener.h"

#include <libvirt/libvirt.h>

#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/libvirt/libvirt_error.h"

namespace porthole::agent {

// One virConnectOpen in flight. Guarded by Shared::mu.
struct ConnectionOpener::Attempt {
  bool done = false;
  // Nobody will collect the result: the attempt closes what it opened.
  bool abandoned = false;
  ConnectHandle conn;
  absl::Status error;
};

// What the opener shares with its attempt threads.
struct ConnectionOpener::Shared {
  absl::Mutex mu;
  bool cancelled ABSL_GUARDED_BY(mu) = false;
  std::shared_ptr<Attempt> pending ABSL_GUARDED_BY(mu);
};

ConnectionOpener::ConnectionOpener(std::string uri, bool read_only)
    : uri_(std::move(uri)),
      read_only_(read_only),
      shared_(std::make_shared<Shared>()) {}

ConnectionOpener::~ConnectionOpener() { Cancel(); }

absl::StatusOr<ConnectHandle> ConnectionOpener::Open(absl::Duration timeout) {
  Shared& shared = *shared_;
  absl::MutexLock lock(&shared.mu);
  if (shared.cancelled) return absl::CancelledError("stopping");
  if (shared.pending == nullptr) {
    shared.pending = std::make_shared<Attempt>();
    std::thread([shared = shared_, attempt = shared.pending, uri = uri_,
                 read_only = read_only_] {
      ConnectHandle conn(read_only ? virConnectOpenReadOnly(uri.c_str())
                                   : virConnectOpen(uri.c_str()));
      // libvirt keeps the error per thread: read it here, now.
      absl::Status error =
          conn == nullptr ? LastLibvirtError() : absl::OkStatus();
      absl::MutexLock attempt_lock(&shared->mu);
      attempt->done = true;
      if (!attempt->abandoned) {
        attempt->conn = std::move(conn);
        attempt->error = std::move(error);
      }
      // An abandoned connection is closed as `conn` goes out of scope.
    }).detach();
  }
  const std::shared_ptr<Attempt> attempt = shared.pending;
  auto ready = [&shared, &attempt]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared.mu) {
    return attempt->done || shared.cancelled;
  };
  shared.mu.AwaitWithTimeout(absl::Condition(&ready), timeout);
  if (shared.cancelled) return absl::CancelledError("stopping");
  if (!attempt->done) {
    return absl::DeadlineExceededError(
        absl::StrCat("virConnectOpen did not answer within ",
                     absl::FormatDuration(timeout)));
  }
  shared.pending = nullptr;
  if (attempt->conn == nullptr) return attempt->error;
  return std::move(attempt->conn);
}

void ConnectionOpener::Cancel() {
  ConnectHandle orphan;  // closed after the lock is released
  absl::MutexLock lock(&shared_->mu);
  shared_->cancelled = true;
  if (shared_->pending == nullptr) return;
  if (shared_->pending->done) {
    orphan = std::move(shared_->pending->conn);
  } else {
    shared_->pending->abandoned = true;
  }
  shared_->pending = nullptr;
}

}  // namespace porthole::agent
