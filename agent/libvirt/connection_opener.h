#ifndef PORTHOLE_AGENT_LIBVIRT_CONNECTION_OPENER_H_
#define PORTHOLE_AGENT_LIBVIRT_CONNECTION_OPENER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/libvirt/libvirt_handles.h"

namespace porthole::agent {

// Opens libvirt connections to one URI with a deadline. virConnectOpen can
// block forever on a hung daemon, so each attempt runs on a detached thread
// of its own and Open() waits for it at most `timeout`; an attempt that timed
// out stays pending, and the next Open() waits on it again rather than pile
// up threads blocked on the same daemon. Thread-safe; an attempt thread
// holds its own reference to what it touches, so it may outlive the opener.
class ConnectionOpener {
 public:
  ConnectionOpener(std::string uri, bool read_only);
  ~ConnectionOpener();  // Cancel()s
  ConnectionOpener(const ConnectionOpener&) = delete;
  ConnectionOpener& operator=(const ConnectionOpener&) = delete;

  // A new connection (virConnectOpen / virConnectOpenReadOnly).
  // DEADLINE_EXCEEDED: no answer within `timeout`; CANCELLED: Cancel() ran;
  // otherwise libvirt's error (LastLibvirtError) from the failed open.
  absl::StatusOr<ConnectHandle> Open(absl::Duration timeout);

  // Wakes a waiting Open() and fails every later one with CANCELLED. A
  // pending attempt's connection is closed whenever it arrives. Idempotent.
  void Cancel();

 private:
  struct Attempt;
  struct Shared;

  const std::string uri_;
  const bool read_only_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_CONNECTION_OPENER_H_
