#include "controller/proxy/token_session_counter.h"

#include <utility>

namespace porthole::controller {

TokenSessionCounter::Slot::Slot(TokenSessionCounter* counter,
                                std::string token_hash)
    : counter_(counter), token_hash_(std::move(token_hash)) {}

TokenSessionCounter::Slot::Slot(Slot&& other) noexcept
    : counter_(std::exchange(other.counter_, nullptr)),
      token_hash_(std::move(other.token_hash_)) {}

TokenSessionCounter::Slot& TokenSessionCounter::Slot::operator=(
    Slot&& other) noexcept {
  if (this != &other) {
    if (counter_ != nullptr) counter_->Release(token_hash_);
    counter_ = std::exchange(other.counter_, nullptr);
    token_hash_ = std::move(other.token_hash_);
  }
  return *this;
}

TokenSessionCounter::Slot::~Slot() {
  if (counter_ != nullptr) counter_->Release(token_hash_);
}

TokenSessionCounter::TokenSessionCounter(size_t max_per_token)
    : max_per_token_(max_per_token) {}

std::optional<TokenSessionCounter::Slot> TokenSessionCounter::TryAcquire(
    const std::string& token_hash) {
  if (max_per_token_ == 0) return Slot(nullptr, "");
  absl::MutexLock lock(&mu_);
  size_t& open = open_[token_hash];
  if (open >= max_per_token_) {
    if (open == 0) open_.erase(token_hash);
    return std::nullopt;
  }
  ++open;
  return Slot(this, token_hash);
}

size_t TokenSessionCounter::count(const std::string& token_hash) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(token_hash);
  return it == open_.end() ? 0 : it->second;
}

void TokenSessionCounter::Release(const std::string& token_hash) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(token_hash);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

}  // namespace porthole::controller
