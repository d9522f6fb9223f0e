#include "controller/proxy/spice_session_bindings.h"

#include <utility>

namespace porthole::controller {

bool SpiceSessionBindings::Bind(uint32_t session_id,
                                const SpiceSessionBinding& binding) {
  absl::MutexLock lock(&mu_);
  return bound_.emplace(session_id, binding).second;
}

void SpiceSessionBindings::Unbind(uint32_t session_id) {
  absl::MutexLock lock(&mu_);
  bound_.erase(session_id);
}

std::optional<SpiceSessionBinding> SpiceSessionBindings::Find(
    uint32_t session_id, const std::string& client_address) const {
  absl::MutexLock lock(&mu_);
  auto it = bound_.find(session_id);
  if (it == bound_.end() || it->second.client_address != client_address) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace porthole::controller
