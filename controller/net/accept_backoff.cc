#include "controller/net/accept_backoff.h"

#include <algorithm>
#include <cerrno>

namespace porthole::controller::net {

bool AcceptBackoff::IsResourceExhaustion(int error) {
  return error == EMFILE || error == ENFILE || error == ENOBUFS ||
         error == ENOMEM;
}

absl::Duration AcceptBackoff::OnError(int error) {
  ++failures_;
  switch (error) {
    // The client went away (or a firewall refused it) before we took the
    // connection: it is gone from the queue, the next one may be fine.
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case EINTR:
    case EAGAIN:
      return absl::ZeroDuration();
    default:
      break;
  }
  const absl::Duration pause = next_pause_;
  next_pause_ = std::min(next_pause_ * 2, kMaxPause);
  return pause;
}

void AcceptBackoff::OnSuccess() {
  next_pause_ = kFirstPause;
  failures_ = 0;
}

}  // namespace porthole::controller::net
