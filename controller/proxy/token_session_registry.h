#ifndef PORTHOLE_CONTROLLER_PROXY_TOKEN_SESSION_REGISTRY_H_
#define PORTHOLE_CONTROLLER_PROXY_TOKEN_SESSION_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace porthole::controller {

// The relaying sessions of each console token, by the token's SHA-256, so
// that a revocation (the token store's RevocationListener: a server
// stopped, undefined or moved, seen by this replica or any other) ends the
// sessions that used it. A session registers an `end` callback for as long
// as it relays; `end` runs under the registry's lock and must only post the
// work to the session's own executor. Thread-safe.
class TokenSessionRegistry {
 public:
  // Removes its session from the registry when destroyed.
  class Registration {
   public:
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;
    Registration(const Registration&) = delete;
    ~Registration();

   private:
    friend class TokenSessionRegistry;
    Registration(TokenSessionRegistry* registry, std::string token_hash,
                 uint64_t id);
    TokenSessionRegistry* registry_;  // null once moved from
    std::string token_hash_;
    uint64_t id_;
  };

  TokenSessionRegistry() = default;
  TokenSessionRegistry(const TokenSessionRegistry&) = delete;
  TokenSessionRegistry& operator=(const TokenSessionRegistry&) = delete;

  Registration Add(const std::string& token_hash, std::function<void()> end);
  // Calls `end` of every session of these tokens; returns how many.
  size_t EndSessions(const std::vector<std::string>& token_hashes);
  // Sessions registered for `token_hash` (for tests).
  size_t count(const std::string& token_hash) const;

 private:
  void Remove(const std::string& token_hash, uint64_t id);

  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string,
                      absl::flat_hash_map<uint64_t, std::function<void()>>>
      sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_TOKEN_SESSION_REGISTRY_H_
