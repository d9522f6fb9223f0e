#ifndef PORTHOLE_CONTROLLER_TOKENS_SQLITE_TOKEN_STORE_H_
#define PORTHOLE_CONTROLLER_TOKENS_SQLITE_TOKEN_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "controller/tokens/sqlite_status.h"
#include "controller/tokens/token_store.h"
#include "controller/tokens/wal_checkpointer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace porthole::controller {

// The default TokenStore: one SQLite file (table console_auth_tokens, as in
// Nova) in WAL mode, so tokens survive a controller restart and an API and a
// proxy process may share the file (a busy writer is waited for up to
// kBusyTimeoutMs). The store owns one connection and its prepared statements;
// every call takes an absl::Mutex, so the store is thread-safe. One locked
// connection rather than one per call: each operation is a single indexed row
// lookup or delete, far shorter than preparing a statement again.
// Commits never fsync (WAL, synchronous=NORMAL); the WAL checkpoints, which
// do, run on a thread of the store's own with a connection of its own, so
// requests rarely wait for the disk. The WAL stays under kWalSizeLimitBytes
// all the same: under a steady stream of commits, or when the thread's
// checkpoints do nothing, a commit finishes the checkpoint inline, as
// SQLite's own automatic checkpoint would (wal_checkpointer.h).
class SqliteTokenStore : public TokenStore {
 public:
  static constexpr int kBusyTimeoutMs = 5000;
  // The size the WAL stays under; also its PRAGMA journal_size_limit.
  static constexpr int64_t kWalSizeLimitBytes =
      WalCheckpointer::kWalSizeLimitBytes;

  // Opens or creates the database at `path` (":memory:" for a private
  // in-memory store) and creates the schema when missing. A new file gets
  // mode 0600. Errors read "cannot open token store PATH: why".
  static absl::StatusOr<std::unique_ptr<SqliteTokenStore>> Open(
      const std::string& path);

  // As Open, but the checkpointer's connection never reads the file before
  // its first checkpoint, which SQLite 3.40 then answers with OK and no
  // work (the bug of issue 16): the fault the store must survive, which the
  // real store no longer produces. For tests only.
  static absl::StatusOr<std::unique_ptr<SqliteTokenStore>>
  OpenWithNoOpCheckpointerForTesting(const std::string& path);

  ~SqliteTokenStore() override;
  SqliteTokenStore(const SqliteTokenStore&) = delete;
  SqliteTokenStore& operator=(const SqliteTokenStore&) = delete;

  // INVALID_ARGUMENT unless record.token_hash looks like a SHA-256 hex
  // digest: the raw token must never reach the disk.
  absl::Status Insert(const ConsoleAuthRecord& record) override;
  absl::StatusOr<std::optional<ConsoleAuthRecord>> FindValid(
      std::string_view token_hash, int64_t now) override;
  absl::StatusOr<bool> MarkUsed(std::string_view token_hash,
                                int64_t now) override;
  absl::StatusOr<int> DeleteForInstance(std::string_view uuid) override;
  absl::StatusOr<int> PurgeExpired(int64_t now) override;
  // Told of this store's own DeleteForInstance calls (a file shared with
  // another process does not report that process's revocations).
  void SetRevocationListener(RevocationListener listener) override;

 private:
  struct StatementFinalizer {
    void operator()(sqlite3_stmt* statement) const;
  };
  using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

  SqliteTokenStore();
  static absl::StatusOr<std::unique_ptr<SqliteTokenStore>> Open(
      const std::string& path, bool checkpointer_reads_first);

  absl::Mutex mu_;
  // Declared before the statements so that it is closed after them.
  sqlite::Connection db_ ABSL_GUARDED_BY(mu_);
  Statement insert_ ABSL_GUARDED_BY(mu_);
  Statement find_valid_ ABSL_GUARDED_BY(mu_);
  Statement mark_used_ ABSL_GUARDED_BY(mu_);
  Statement delete_for_instance_ ABSL_GUARDED_BY(mu_);
  Statement purge_expired_ ABSL_GUARDED_BY(mu_);
  // Called outside mu_, under listener_mu_, so it may call the store.
  absl::Mutex listener_mu_;
  RevocationListener listener_ ABSL_GUARDED_BY(listener_mu_);
  // Last: stopped before the connection closes. Null for ":memory:".
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_SQLITE_TOKEN_STORE_H_
