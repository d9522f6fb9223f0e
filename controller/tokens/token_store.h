#ifndef PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_H_
#define PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "controller/auth/access_revocations.h"

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
  // Who asked for the URL (Keystone ids; "" for rows issued before they
  // were stored): what the session registry and the audit records show.
  std::string user_id;
  std::string project_id;
  // What Keystone's revocation events may name of the token that asked.
  RevocationKeys revocation_keys;
};

// One token taken back before its expiry (DeleteForInstance): what a proxy
// needs to end the sessions that use it.
struct RevokedToken {
  std::string token_hash;
  std::string instance_uuid;
};

// Called with tokens revoked through the store, by this process or, for a
// shared store, any other; on a thread of the store's, so it must not block.
using RevocationListener =
    std::function<void(const std::vector<RevokedToken>& revoked)>;

// Where console tokens live between the API that issues them and the proxy
// that redeems them. Implementations: SQLite (default, one host, survives
// restarts) and etcd (shared by any number of controller replicas).
// Thread-safe.
//
// Errors: UNAVAILABLE when the store cannot be reached within its deadline
// (the caller answers 503 and may try again: the store recovers by itself);
// INVALID_ARGUMENT for a hash that is not a SHA-256 hex digest; other codes
// for faults an operator must look at.
class TokenStore {
 public:
  virtual ~TokenStore() = default;

  // Stores the record if no record has its hash: ALREADY_EXISTS on a hash
  // collision (the existing record is untouched).
  virtual absl::Status Insert(const ConsoleAuthRecord& record) = 0;
  // The record for this hash if it exists and `expires > now`. Sees every
  // Insert and DeleteForInstance that completed before the call, whichever
  // process made it.
  virtual absl::StatusOr<std::optional<ConsoleAuthRecord>> FindValid(
      std::string_view token_hash, int64_t now) = 0;
  // Marks the token used, once ([consoleauth] single_use): true for the one
  // call, in any process sharing the store, that found it valid (`expires >
  // now`) and unmarked; false for every later call. NOT_FOUND when no valid
  // record has this hash. The store decides atomically (SQLite: one
  // UPDATE ... WHERE used = 0; etcd: one Txn creating the mark only if it
  // was never created), so two replicas racing for one URL admit one
  // session. A mark never leaves a token; FindValid ignores it.
  virtual absl::StatusOr<bool> MarkUsed(std::string_view token_hash,
                                        int64_t now) = 0;
  // Revokes every token of a server; returns how many. The revocation
  // listeners of every process sharing the store are told.
  virtual absl::StatusOr<int> DeleteForInstance(std::string_view uuid) = 0;
  // Removes rows with `expires <= now` that the backend does not expire by
  // itself; returns how many it removed. FindValid never answers an expired
  // record either way (etcd removes them with leases: 0 here).
  virtual absl::StatusOr<int> PurgeExpired(int64_t now) = 0;
  // Replaces the revocation listener (none: revocations are not reported).
  virtual void SetRevocationListener(RevocationListener listener) = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_H_
