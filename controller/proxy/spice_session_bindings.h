// The SPICE sessions the native listener has linked, by the session id the
// console gave the main channel (SPICE_MSG_MAIN_INIT), which the client
// then sends as the connection id of every other channel. A binding lets
// those channels in without a fresh credential: same client address, and
// a ticket that is the credential the main channel used. It lives while
// the main channel's relay runs. Thread-safe.
#ifndef PORTHOLE_CONTROLLER_PROXY_SPICE_SESSION_BINDINGS_H_
#define PORTHOLE_CONTROLLER_PROXY_SPICE_SESSION_BINDINGS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "controller/tokens/token_store.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::controller {

struct SpiceSessionBinding {
  std::string client_address;  // the main channel's peer
  ConsoleAuthRecord record;    // its credential's row (hash, host, ports)
  agent::v1::Console console;  // channel modes, as admitted
};

class SpiceSessionBindings {
 public:
  // False when `session_id` is bound already (a console reusing an id of a
  // live session: the second is not bound).
  bool Bind(uint32_t session_id, const SpiceSessionBinding& binding);
  void Unbind(uint32_t session_id);

  // The binding of `session_id` when `client_address` is the one that
  // linked it.
  std::optional<SpiceSessionBinding> Find(
      uint32_t session_id, const std::string& client_address) const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint32_t, SpiceSessionBinding> bound_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_SPICE_SESSION_BINDINGS_H_
