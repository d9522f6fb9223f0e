#ifndef PORTHOLE_CONTROLLER_AUTH_TOKENS_FILE_AUTHENTICATOR_H_
#define PORTHOLE_CONTROLLER_AUTH_TOKENS_FILE_AUTHENTICATOR_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/sha256.h"
#include "controller/auth/authenticator.h"

namespace porthole::controller {

// Static API tokens from a file, one per line:
//   TOKEN USER_ID PROJECT_ID ROLE[,ROLE...]
// Fields are separated by spaces or tabs; blank lines and lines starting
// with '#' are ignored. Roles get Keystone's default implied roles
// (admin => member => reader), as a Keystone token lists them. Only the SHA-256
// of each token is kept in memory, and a presented token is compared against
// every entry with CRYPTO_memcmp, so the time taken does not depend on how much
// of a token matched.
//
// Reload() (for SIGHUP) swaps in the new table only when the whole file
// parses; a bad file leaves the old table serving. Thread-safe: lookups take
// a shared lock just long enough to copy a pointer to the current table.
class TokensFileAuthenticator : public Authenticator {
 public:
  static constexpr size_t kMaxFileBytes = 1 << 20;

  // Reads and parses `path`. Errors name the file and the line:
  // "tokens.conf:3: expected TOKEN USER_ID PROJECT_ID ROLE[,ROLE...]".
  static absl::StatusOr<std::unique_ptr<TokensFileAuthenticator>> Load(
      std::string path);

  // Re-reads the file given to Load. On error returns it and keeps the table
  // in use.
  absl::Status Reload();

  // UNAUTHENTICATED for an empty or unknown token.
  absl::StatusOr<Principal> Authenticate(std::string_view token) const override;

  // How many tokens the current table holds.
  size_t size() const;

 private:
  struct Entry {
    Sha256Digest digest;  // of the token
    Principal principal;
  };
  using Table = std::vector<Entry>;

  explicit TokensFileAuthenticator(std::string path);
  static absl::StatusOr<std::shared_ptr<const Table>> ReadTable(
      const std::string& path);
  static absl::StatusOr<std::shared_ptr<const Table>> ParseTable(
      std::string_view text, const std::string& name);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Table> table_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_AUTH_TOKENS_FILE_AUTHENTICATOR_H_
