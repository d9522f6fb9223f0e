#ifndef PORTHOLE_CONTROLLER_KEYSTONE_TOKEN_CACHE_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_TOKEN_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/auth/principal.h"

namespace porthole::controller::keystone {

// What Keystone said about recently seen tokens, so that most requests need
// no round trip. Keyed by the SHA-256 of the token: the token itself is
// never kept. Pure: the validation is a function the caller passes, the
// time an injected clock.
//   - A valid token is trusted for min(ttl, its own expiry); a token whose
//     expiry has passed is UNAUTHENTICATED, even if Keystone said 200.
//   - An UNAUTHENTICATED answer is remembered for negative_ttl (at most
//     ttl), so a client repeating a bad token costs Keystone nothing.
//   - Any other error is not remembered: the next request asks again.
//   - Concurrent lookups of the same unknown token run one validation and
//     all get its answer (single flight).
//   - At most max_entries answers: when full, expired ones go first, then
//     the one that would expire soonest.
// Thread-safe.
class TokenCache {
 public:
  struct Options {
    size_t max_entries = 10000;
    int64_t ttl_seconds = 300;
    int64_t negative_ttl_seconds = 10;
  };
  using Validate = absl::FunctionRef<absl::StatusOr<Principal>()>;

  TokenCache(const Options& options, UnixClock clock);

  // The remembered answer for `token`, or validate()'s (run on this thread,
  // without the cache's lock held).
  absl::StatusOr<Principal> Lookup(std::string_view token, Validate validate);

  // Answers held now (expired ones included until they are swept).
  size_t size() const;

 private:
  struct Entry {
    int64_t until = 0;  // unix seconds; trusted while now < until
    absl::StatusOr<Principal> answer;
  };
  struct Flight {
    bool done = false;
    absl::StatusOr<Principal> answer;
  };

  absl::StatusOr<Principal> Finish(const std::string& key,
                                   absl::StatusOr<Principal> answer,
                                   const std::shared_ptr<Flight>& flight);
  void Store(const std::string& key, const absl::StatusOr<Principal>& answer,
             int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MakeRoom(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;
  const UnixClock clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_TOKEN_CACHE_H_
