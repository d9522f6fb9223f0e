#ifndef PORTHOLE_CONTROLLER_PROXY_TOKEN_SESSION_COUNTER_H_
#define PORTHOLE_CONTROLLER_PROXY_TOKEN_SESSION_COUNTER_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace porthole::controller {

// How many sessions (and upgrades being decided) each console token has
// open, by the token's SHA-256, against `[console] max_sessions_per_token`.
// A console URL stays reusable until it expires, as in Nova, but no one URL
// can take the proxies' shared connection pool. A Slot is held for the
// whole session and gives its place back when destroyed. Thread-safe.
class TokenSessionCounter {
 public:
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    friend class TokenSessionCounter;
    Slot(TokenSessionCounter* counter, std::string token_hash);
    TokenSessionCounter* counter_;  // null once moved from
    std::string token_hash_;
  };

  // 0: no cap (every acquire succeeds, nothing is counted).
  explicit TokenSessionCounter(size_t max_per_token);
  TokenSessionCounter(const TokenSessionCounter&) = delete;
  TokenSessionCounter& operator=(const TokenSessionCounter&) = delete;

  // A place for one more session of `token_hash`; nullopt when it already
  // has max_per_token.
  std::optional<Slot> TryAcquire(const std::string& token_hash);
  // Sessions open for `token_hash` (for tests).
  size_t count(const std::string& token_hash) const;
  size_t max_per_token() const { return max_per_token_; }

 private:
  void Release(const std::string& token_hash);

  const size_t max_per_token_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, size_t> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_TOKEN_SESSION_COUNTER_H_
