#include "controller/keystone/token_cache.h"

#include <algorithm>
#include <utility>

#include "common/sha256.h"

namespace porthole::controller::keystone {
namespace {

std::string KeyOf(std::string_view token) {
  const Sha256Digest digest = Sha256(token);
  return std::string(digest.begin(), digest.end());
}

}  // namespace

TokenCache::TokenCache(const Options& options, UnixClock clock)
    : options_(options),
      clock_(clock ? std::move(clock) : UnixClock(SystemUnixSeconds)) {}

absl::StatusOr<Principal> TokenCache::Lookup(std::string_view token,
                                             Validate validate) {
  const std::string key = KeyOf(token);
  std::shared_ptr<Flight> flight;
  {
    absl::MutexLock lock(&mu_);
    auto entry = entries_.find(key);
    if (entry != entries_.end()) {
      if (clock_() < entry->second.until) return entry->second.answer;
      entries_.erase(entry);
    }
    auto running = flights_.find(key);
    if (running != flights_.end()) {
      // Someone is asking Keystone about this token: wait for its answer.
      std::shared_ptr<Flight> theirs = running->second;
      mu_.Await(absl::Condition(&theirs->done));
      return theirs->answer;
    }
    flight = std::make_shared<Flight>();
    flights_.emplace(key, flight);
  }
  return Finish(key, validate(), flight);
}

absl::StatusOr<Principal> TokenCache::Finish(
    const std::string& key, absl::StatusOr<Principal> answer,
    const std::shared_ptr<Flight>& flight) {
  const int64_t now = clock_();
  if (answer.ok() && answer->expires_at != 0 && answer->expires_at <= now) {
    answer = absl::UnauthenticatedError("the token has expired");
  }
  absl::MutexLock lock(&mu_);
  Store(key, answer, now);
  flight->answer = answer;
  flight->done = true;
  flights_.erase(key);
  return answer;
}

void TokenCache::Store(const std::string& key,
                       const absl::StatusOr<Principal>& answer, int64_t now) {
  int64_t until = now;
  if (answer.ok()) {
    until = now + options_.ttl_seconds;
    if (answer->expires_at != 0) until = std::min(until, answer->expires_at);
  } else if (absl::IsUnauthenticated(answer.status())) {
    until = now + std::min(options_.negative_ttl_seconds, options_.ttl_seconds);
  }
  if (until <= now) return;  // not worth remembering
  if (entries_.size() >= options_.max_entries) MakeRoom(now);
  entries_.insert_or_assign(key, Entry{until, answer});
}

void TokenCache::MakeRoom(int64_t now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.until <= now) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
  if (entries_.size() < options_.max_entries) return;
  auto soonest = std::min_element(entries_.begin(), entries_.end(),
                                  [](const auto& a, const auto& b) {
                                    return a.second.until < b.second.until;
                                  });
  entries_.erase(soonest);
}

size_t TokenCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace porthole::controller::keystone
