#include "controller/sessions/console_session_registry.h"

#include <algorithm>
#include <map>
#include <utility>

namespace porthole::controller {

ConsoleSessionRegistry::Registration::Registration(
    ConsoleSessionRegistry* registry, std::string id)
    : registry_(registry), id_(std::move(id)) {}

ConsoleSessionRegistry::Registration::Registration(
    Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      id_(std::move(other.id_)) {}

ConsoleSessionRegistry::Registration::~Registration() {
  if (registry_ != nullptr) registry_->Remove(id_);
}

ConsoleSessionRegistry::Registration ConsoleSessionRegistry::Add(
    ConsoleSessionInfo info, const SessionByteCounters* bytes,
    EndFunction end) {
  std::string id = info.id;
  absl::MutexLock lock(&mu_);
  sessions_[id] = Entry{std::move(info), bytes, std::move(end)};
  ++generation_;
  return Registration(this, std::move(id));
}

std::vector<ConsoleSessionSnapshot> ConsoleSessionRegistry::List(
    const ConsoleSessionFilter& filter) const {
  std::vector<ConsoleSessionSnapshot> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, entry] : sessions_) {
      if (!filter.server_id.empty() &&
          entry.info.server_id != filter.server_id) {
        continue;
      }
      if (!filter.user_id.empty() && entry.info.user_id != filter.user_id) {
        continue;
      }
      ConsoleSessionSnapshot snapshot{entry.info, 0, 0};
      if (entry.bytes != nullptr) {
        snapshot.bytes_up = entry.bytes->up.load(std::memory_order_relaxed);
        snapshot.bytes_down = entry.bytes->down.load(std::memory_order_relaxed);
      }
      out.push_back(std::move(snapshot));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.info.started != b.info.started) {
      return a.info.started < b.info.started;
    }
    return a.info.id < b.info.id;
  });
  return out;
}

bool ConsoleSessionRegistry::End(const std::string& id, SessionEnd why) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  it->second.end(why);
  return true;
}

size_t ConsoleSessionRegistry::EndWhere(const SessionPredicate& matches,
                                        SessionEnd why) {
  absl::MutexLock lock(&mu_);
  size_t ended = 0;
  // Sessions are few per replica (thousands at most) and ends by server,
  // token or user rare: a scan beats indexes to keep in step.
  for (auto& [id, entry] : sessions_) {
    if (!matches(entry.info)) continue;
    entry.end(why);
    ++ended;
  }
  return ended;
}

size_t ConsoleSessionRegistry::EndForServer(const std::string& server_id,
                                            SessionEnd why) {
  return EndWhere(
      [&server_id](const ConsoleSessionInfo& info) {
        return info.server_id == server_id;
      },
      why);
}

size_t ConsoleSessionRegistry::EndForTokens(
    const std::vector<std::string>& token_hashes, SessionEnd why) {
  return EndWhere(
      [&token_hashes](const ConsoleSessionInfo& info) {
        return std::find(token_hashes.begin(), token_hashes.end(),
                         info.token_hash) != token_hashes.end();
      },
      why);
}

size_t ConsoleSessionRegistry::count_for_token(
    const std::string& token_hash) const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [id, entry] : sessions_) {
    if (entry.info.token_hash == token_hash) ++n;
  }
  return n;
}

size_t ConsoleSessionRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return sessions_.size();
}

uint64_t ConsoleSessionRegistry::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

uint64_t ConsoleSessionRegistry::AwaitChange(uint64_t seen,
                                             absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return generation_ != seen;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return generation_;
}

ConsoleSessionTotals ConsoleSessionRegistry::Totals() const {
  ConsoleSessionTotals totals;
  std::map<std::string, size_t> by_type;
  absl::MutexLock lock(&mu_);
  totals.bytes_up = ended_bytes_up_;
  totals.bytes_down = ended_bytes_down_;
  for (const auto& [id, entry] : sessions_) {
    ++by_type[entry.info.console_type];
    if (entry.bytes == nullptr) continue;
    totals.bytes_up += entry.bytes->up.load(std::memory_order_relaxed);
    totals.bytes_down += entry.bytes->down.load(std::memory_order_relaxed);
  }
  totals.active_by_type.assign(by_type.begin(), by_type.end());
  return totals;
}

void ConsoleSessionRegistry::Remove(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  // The relay has finished with the counters (it drops its Registration
  // after both directions end), so these are the session's final counts.
  if (it->second.bytes != nullptr) {
    ended_bytes_up_ += it->second.bytes->up.load(std::memory_order_relaxed);
    ended_bytes_down_ += it->second.bytes->down.load(std::memory_order_relaxed);
  }
  sessions_.erase(it);
  ++generation_;
}

}  // namespace porthole::controller
