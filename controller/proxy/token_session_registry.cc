#include "controller/proxy/token_session_registry.h"

#include <utility>

namespace porthole::controller {

TokenSessionRegistry::Registration::Registration(TokenSessionRegistry* registry,
                                                 std::string token_hash,
                                                 uint64_t id)
    : registry_(registry), token_hash_(std::move(token_hash)), id_(id) {}

TokenSessionRegistry::Registration::Registration(Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      token_hash_(std::move(other.token_hash_)),
      id_(other.id_) {}

TokenSessionRegistry::Registration::~Registration() {
  if (registry_ != nullptr) registry_->Remove(token_hash_, id_);
}

TokenSessionRegistry::Registration TokenSessionRegistry::Add(
    const std::string& token_hash, std::function<void()> end) {
  absl::MutexLock lock(&mu_);
  const uint64_t id = next_id_++;
  sessions_[token_hash][id] = std::move(end);
  return Registration(this, token_hash, id);
}

size_t TokenSessionRegistry::EndSessions(
    const std::vector<std::string>& token_hashes) {
  absl::MutexLock lock(&mu_);
  size_t ended = 0;
  for (const std::string& hash : token_hashes) {
    auto it = sessions_.find(hash);
    if (it == sessions_.end()) continue;
    for (auto& [id, end] : it->second) {
      end();
      ++ended;
    }
  }
  return ended;
}

size_t TokenSessionRegistry::count(const std::string& token_hash) const {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(token_hash);
  return it == sessions_.end() ? 0 : it->second.size();
}

void TokenSessionRegistry::Remove(const std::string& token_hash, uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(token_hash);
  if (it == sessions_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) sessions_.erase(it);
}

}  // namespace porthole::controller
