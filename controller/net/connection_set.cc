#include "controller/net/connection_set.h"

#include <boost/asio/post.hpp>
#include <vector>

#include "controller/net/peer_address.h"

namespace porthole::controller::net {

ConnectionSet::ConnectionSet(ConnectionLimits limits)
    : limits_(std::move(limits)) {}

size_t ConnectionSet::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

size_t ConnectionSet::size_for_peer(const std::string& peer) const {
  absl::MutexLock lock(&mu_);
  auto it = per_peer_.find(PeerLimitKey(peer));
  return it == per_peer_.end() ? 0 : it->second;
}

bool ConnectionSet::draining() const {
  absl::MutexLock lock(&mu_);
  return draining_;
}

void ConnectionSet::RunCloser(uint64_t id) {
  std::function<void()> closer;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    closer = it->second.closer;
  }
  // Outside the lock: a closer may replace itself (OnClose).
  if (closer) closer();
}

void ConnectionSet::PostCloser(uint64_t id,
                               const boost::asio::any_io_executor& executor) {
  boost::asio::post(executor, [this, id] { RunCloser(id); });
}

bool ConnectionSet::WaitForNone(absl::Duration span) {
  absl::MutexLock lock(&mu_);
  auto none = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return entries_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&none), span);
}

size_t ConnectionSet::Drain(absl::Duration drain, absl::Duration linger) {
  using Target = std::pair<uint64_t, boost::asio::any_io_executor>;
  std::vector<Target> idle;
  {
    absl::MutexLock lock(&mu_);
    draining_ = true;
    for (const auto& [id, entry] : entries_) {
      if (entry.idle) idle.emplace_back(id, entry.executor);
    }
  }
  for (const auto& [id, executor] : idle) PostCloser(id, executor);
  if (WaitForNone(drain)) return 0;

  std::vector<Target> all;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, entry] : entries_) {
      all.emplace_back(id, entry.executor);
    }
  }
  for (const auto& [id, executor] : all) PostCloser(id, executor);
  WaitForNone(linger);
  return size();
}

Connection::Connection(ConnectionSet& set,
                       boost::asio::any_io_executor executor, std::string peer)
    : set_(set), peer_(std::move(peer)), peer_key_(PeerLimitKey(peer_)) {
  const ConnectionLimits& limits = set_.limits_;
  absl::MutexLock lock(&set_.mu_);
  id_ = ++set_.next_id_;
  set_.entries_.emplace(id_, ConnectionSet::Entry{std::move(executor), {}});
  const size_t from_peer = ++set_.per_peer_[peer_key_];
  if (set_.entries_.size() > limits.max_connections) {
    refusal_ = Refusal::kTooManyConnections;
  } else if (limits.max_per_peer > 0 && from_peer > limits.max_per_peer &&
             !(limits.exempt_peer && limits.exempt_peer(peer_))) {
    refusal_ = Refusal::kTooManyFromPeer;
  }
}

Connection::~Connection() {
  absl::MutexLock lock(&set_.mu_);
  set_.entries_.erase(id_);
  auto it = set_.per_peer_.find(peer_key_);
  if (it != set_.per_peer_.end() && --it->second == 0) {
    set_.per_peer_.erase(it);
  }
}

void Connection::OnClose(std::function<void()> closer) {
  absl::MutexLock lock(&set_.mu_);
  auto it = set_.entries_.find(id_);
  if (it != set_.entries_.end()) it->second.closer = std::move(closer);
}

bool Connection::Idle() {
  absl::MutexLock lock(&set_.mu_);
  if (set_.draining_) return false;
  auto it = set_.entries_.find(id_);
  if (it != set_.entries_.end()) it->second.idle = true;
  return true;
}

void Connection::Busy() {
  absl::MutexLock lock(&set_.mu_);
  auto it = set_.entries_.find(id_);
  if (it != set_.entries_.end()) it->second.idle = false;
}

}  // namespace porthole::controller::net
