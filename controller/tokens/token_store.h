#ifndef PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_H_
#define PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace porthole::controller {

// What one console token grants, as stored: never the token itself, only
// its SHA-256 (hex). Mirrors Nova's console_auth_tokens row.
struct ConsoleAuthRecord {
  std::string token_hash;    // sha256 hex of the token
  std::string console_type;  // novnc | spice-html5 | spice-direct | serial
  std::string host;          // where the proxy dials
  uint32_t port = 0;
  std::optional<uint32_t> tls_port;
  std::optional<std::string> internal_access_path;
  std::string instance_uuid;
  std::string compute_host;  // the agent's name, to revoke on a move
  std::string access_url_base;
  int64_t expires = 0;  // unix seconds
};

// Where console tokens live between the API that issues them and the proxy
// that redeems them. Implementations: SQLite (default, survives restarts)
// and, later, Redis (shared by replicas). Thread-safe.
class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // ALREADY_EXISTS on a hash collision.
  virtual absl::Status Insert(const ConsoleAuthRecord& record) = 0;
  // The record for this hash if it exists and `expires > now`.
  virtual absl::StatusOr<std::optional<ConsoleAuthRecord>> FindValid(
      std::string_view token_hash, int64_t now) = 0;
  // Revokes every token of a server; returns how many.
  virtual absl::StatusOr<int> DeleteForInstance(std::string_view uuid) = 0;
  // Removes rows with `expires <= now`; returns how many.
  virtual absl::StatusOr<int> PurgeExpired(int64_t now) = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_H_
