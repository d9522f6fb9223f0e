#include "controller/tokens/sqlite_token_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/logging.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_status.h"
#include "controller/tokens/sqlite_token_schema.h"
#include "controller/tokens/wal_checkpointer.h"

namespace porthole::controller {
namespace {

using sqlite::Exec;
using sqlite::QueryText;
using sqlite::StatementError;
using sqlite::Why;

constexpr char kInsertSql[] =
    "INSERT INTO console_auth_tokens (token_hash, console_type, host, port,"
    " tls_port, internal_access_path, instance_uuid, compute_host,"
    " access_url_base, expires, created_at, user_id, project_id, audit_id,"
    " audit_chain_id, user_domain_id, project_domain_id, issued_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
    " ?15, ?16, ?17, ?18)";
constexpr char kFindValidSql[] =
    "SELECT console_type, host, port, tls_port, internal_access_path,"
    " instance_uuid, compute_host, access_url_base, expires, user_id,"
    " project_id, audit_id, audit_chain_id, user_domain_id,"
    " project_domain_id, issued_at"
    " FROM console_auth_tokens WHERE token_hash = ?1 AND expires > ?2";
// One statement: of two processes racing for one token, one changes the row.
constexpr char kMarkUsedSql[] =
    "UPDATE console_auth_tokens SET used = 1"
    " WHERE token_hash = ?1 AND expires > ?2 AND used = 0";
constexpr char kDeleteForInstanceSql[] =
    "DELETE FROM console_auth_tokens WHERE instance_uuid = ?1"
    " RETURNING token_hash";
constexpr char kPurgeExpiredSql[] =
    "DELETE FROM console_auth_tokens WHERE expires <= ?1";

absl::Status OpenError(const std::string& path, const std::string& why) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot open token store ", path, ": ", why));
}

// Binds parameters 1, 2, ... in order and remembers the first failure.
// Text is bound without a copy: callers reset the statement (which also
// clears the bindings) before the bound strings go away.
class Binder {
 public:
  explicit Binder(sqlite3_stmt* statement) : statement_(statement) {}

  Binder& Text(std::string_view value) {
    // A null pointer would bind SQL NULL, not an empty string.
    const char* data = value.data() == nullptr ? "" : value.data();
    return Check(sqlite3_bind_text(statement_, index_, data,
                                   static_cast<int>(value.size()),
                                   SQLITE_STATIC));
  }
  Binder& Int(int64_t value) {
    return Check(sqlite3_bind_int64(statement_, index_, value));
  }
  Binder& Null() { return Check(sqlite3_bind_null(statement_, index_)); }
  int rc() const { return rc_; }

 private:
  Binder& Check(int rc) {
    if (rc_ == SQLITE_OK) rc_ = rc;
    ++index_;
    return *this;
  }

  sqlite3_stmt* statement_;
  int index_ = 1;
  int rc_ = SQLITE_OK;
};

auto ResetOnExit(sqlite3_stmt* statement) {
  return absl::MakeCleanup([statement] {
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  });
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(statement, column));
}

}  // namespace

void SqliteTokenStore::StatementFinalizer::operator()(
    sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

absl::StatusOr<std::unique_ptr<SqliteTokenStore>> SqliteTokenStore::Open(
    const std::string& path) {
  return Open(path, /*checkpointer_reads_first=*/true);
}

absl::StatusOr<std::unique_ptr<SqliteTokenStore>>
SqliteTokenStore::OpenWithNoOpCheckpointerForTesting(const std::string& path) {
  return Open(path, /*checkpointer_reads_first=*/false);
}

absl::StatusOr<std::unique_ptr<SqliteTokenStore>> SqliteTokenStore::Open(
    const std::string& path, bool checkpointer_reads_first) {
  if (path.empty()) return OpenError(path, "empty path");
  const bool in_memory = path == ":memory:";
  struct stat file_stat;
  const bool existed = in_memory || stat(path.c_str(), &file_stat) == 0;

  std::unique_ptr<SqliteTokenStore> store(new SqliteTokenStore());
  absl::MutexLock lock(&store->mu_);
  sqlite3* raw = nullptr;
  // NOMUTEX: mu_ already serializes every use of the connection.
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  store->db_.reset(raw);  // closed on every return below
  if (rc != SQLITE_OK) return OpenError(path, Why(raw, rc));
  sqlite3* db = raw;
  // SQLite silently falls back to read-only for a write-protected file.
  if (sqlite3_db_readonly(db, "main") == 1) {
    return OpenError(path, "the file is read-only");
  }
  // Before the first write, so the -wal and -shm files (which SQLite
  // creates with the database's mode) are private too.
  if (!existed && chmod(path.c_str(), 0600) != 0) {
    return OpenError(
        path,
        absl::StrCat("chmod 0600: ", std::generic_category().message(errno)));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);

  // The first statement that reads the file: "file is not a database" shows
  // up here.
  absl::StatusOr<std::string> mode = QueryText(db, "PRAGMA journal_mode=WAL");
  if (!mode.ok()) return OpenError(path, std::string(mode.status().message()));
  if (!in_memory && *mode != "wal") {
    return OpenError(path, absl::StrCat("journal_mode is ", *mode,
                                        ", not wal (is the file system "
                                        "local and writable?)"));
  }
  // In WAL mode NORMAL never corrupts the file; a power cut may lose the
  // last tokens issued, which their users simply ask for again.
  if (auto status = Exec(db, "PRAGMA synchronous=NORMAL", "synchronous");
      !status.ok()) {
    return OpenError(path, std::string(status.message()));
  }
  // A WAL that once grew (a reader held back checkpoints) is cut back when
  // it starts over, instead of keeping its largest size on disk.
  if (auto status =
          Exec(db,
               absl::StrCat("PRAGMA journal_size_limit=", kWalSizeLimitBytes)
                   .c_str(),
               "journal_size_limit");
      !status.ok()) {
    return OpenError(path, std::string(status.message()));
  }
  if (auto status = CreateTokenSchema(db); !status.ok()) {
    return OpenError(path, std::string(status.message()));
  }

  struct {
    const char* sql;
    Statement* statement;
  } statements[] = {
      {kInsertSql, &store->insert_},
      {kFindValidSql, &store->find_valid_},
      {kMarkUsedSql, &store->mark_used_},
      {kDeleteForInstanceSql, &store->delete_for_instance_},
      {kPurgeExpiredSql, &store->purge_expired_},
  };
  if (!in_memory) {
    absl::StatusOr<std::unique_ptr<WalCheckpointer>> checkpointer =
        WalCheckpointer::Start(path, kBusyTimeoutMs, checkpointer_reads_first);
    if (!checkpointer.ok()) {
      return OpenError(path, std::string(checkpointer.status().message()));
    }
    store->checkpointer_ = std::move(*checkpointer);
    // Replaces SQLite's automatic checkpoint, which would run (and fsync)
    // inside whichever commit crossed the threshold; OnCommit falls back to
    // exactly that when the thread cannot keep the WAL bounded.
    sqlite3_wal_hook(db, &WalCheckpointer::OnCommit,
                     store->checkpointer_.get());
  }
  for (auto& [sql, statement] : statements) {
    sqlite3_stmt* prepared = nullptr;
    rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &prepared,
                            nullptr);
    statement->reset(prepared);
    if (rc != SQLITE_OK) {
      return OpenError(path,
                       std::string(StatementError(db, rc, sql).message()));
    }
  }
  return store;
}

SqliteTokenStore::SqliteTokenStore() = default;

SqliteTokenStore::~SqliteTokenStore() {
  absl::MutexLock lock(&mu_);
  if (db_ != nullptr) sqlite3_wal_hook(db_.get(), nullptr, nullptr);
}

absl::Status SqliteTokenStore::Insert(const ConsoleAuthRecord& record) {
  if (!LooksLikeTokenHash(record.token_hash)) {
    return absl::InvalidArgumentError(
        "token_hash must be a SHA-256 as 64 lowercase hex digits");
  }
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* statement = insert_.get();
  auto reset = ResetOnExit(statement);
  Binder bind(statement);
  bind.Text(record.token_hash)
      .Text(record.console_type)
      .Text(record.host)
      .Int(record.port);
  if (record.tls_port.has_value()) {
    bind.Int(*record.tls_port);
  } else {
    bind.Null();
  }
  if (record.internal_access_path.has_value()) {
    bind.Text(*record.internal_access_path);
  } else {
    bind.Null();
  }
  bind.Text(record.instance_uuid)
      .Text(record.compute_host)
      .Text(record.access_url_base)
      .Int(record.expires)
      .Int(SystemUnixSeconds())
      .Text(record.user_id)
      .Text(record.project_id)
      .Text(record.revocation_keys.audit_id)
      .Text(record.revocation_keys.audit_chain_id)
      .Text(record.revocation_keys.user_domain_id)
      .Text(record.revocation_keys.project_domain_id)
      .Int(record.revocation_keys.issued_at);
  if (bind.rc() != SQLITE_OK) {
    return StatementError(db_.get(), bind.rc(), "token store insert");
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_DONE) return absl::OkStatus();
  if (rc == SQLITE_CONSTRAINT_UNIQUE) {
    return absl::AlreadyExistsError("a console token with this hash exists");
  }
  return StatementError(db_.get(), rc, "token store insert");
}

absl::StatusOr<std::optional<ConsoleAuthRecord>> SqliteTokenStore::FindValid(
    std::string_view token_hash, int64_t now) {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* statement = find_valid_.get();
  auto reset = ResetOnExit(statement);
  Binder bind(statement);
  bind.Text(token_hash).Int(now);
  if (bind.rc() != SQLITE_OK) {
    return StatementError(db_.get(), bind.rc(), "token store find");
  }
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW)
    return StatementError(db_.get(), rc, "token store find");
  ConsoleAuthRecord record;
  record.token_hash = std::string(token_hash);
  record.console_type = ColumnText(statement, 0);
  record.host = ColumnText(statement, 1);
  record.port = static_cast<uint32_t>(sqlite3_column_int64(statement, 2));
  if (sqlite3_column_type(statement, 3) != SQLITE_NULL) {
    record.tls_port = static_cast<uint32_t>(sqlite3_column_int64(statement, 3));
  }
  if (sqlite3_column_type(statement, 4) != SQLITE_NULL) {
    record.internal_access_path = ColumnText(statement, 4);
  }
  record.instance_uuid = ColumnText(statement, 5);
  record.compute_host = ColumnText(statement, 6);
  record.access_url_base = ColumnText(statement, 7);
  record.expires = sqlite3_column_int64(statement, 8);
  record.user_id = ColumnText(statement, 9);
  record.project_id = ColumnText(statement, 10);
  RevocationKeys& keys = record.revocation_keys;
  keys.audit_id = ColumnText(statement, 11);
  keys.audit_chain_id = ColumnText(statement, 12);
  keys.user_domain_id = ColumnText(statement, 13);
  keys.project_domain_id = ColumnText(statement, 14);
  keys.issued_at = sqlite3_column_int64(statement, 15);
  return record;
}

absl::StatusOr<bool> SqliteTokenStore::MarkUsed(std::string_view token_hash,
                                                int64_t now) {
  {
    absl::MutexLock lock(&mu_);
    sqlite3_stmt* statement = mark_used_.get();
    auto reset = ResetOnExit(statement);
    Binder bind(statement);
    bind.Text(token_hash).Int(now);
    if (bind.rc() != SQLITE_OK) {
      return StatementError(db_.get(), bind.rc(), "token store mark used");
    }
    int rc = sqlite3_step(statement);
    if (rc != SQLITE_DONE) {
      return StatementError(db_.get(), rc, "token store mark used");
    }
    if (sqlite3_changes(db_.get()) == 1) return true;
  }
  // Nothing changed: marked already, or no valid row.
  absl::StatusOr<std::optional<ConsoleAuthRecord>> found =
      FindValid(token_hash, now);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError("no valid console token with this hash");
  }
  return false;
}

absl::StatusOr<int> SqliteTokenStore::DeleteForInstance(std::string_view uuid) {
  std::vector<RevokedToken> revoked;
  {
    absl::MutexLock lock(&mu_);
    sqlite3_stmt* statement = delete_for_instance_.get();
    auto reset = ResetOnExit(statement);
    Binder bind(statement);
    bind.Text(uuid);
    if (bind.rc() != SQLITE_OK) {
      return StatementError(db_.get(), bind.rc(), "token store delete");
    }
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      revoked.push_back({ColumnText(statement, 0), std::string(uuid)});
    }
    if (rc != SQLITE_DONE) {
      return StatementError(db_.get(), rc, "token store delete");
    }
  }
  if (!revoked.empty()) {
    absl::MutexLock lock(&listener_mu_);
    if (listener_) listener_(revoked);
  }
  return static_cast<int>(revoked.size());
}

void SqliteTokenStore::SetRevocationListener(RevocationListener listener) {
  absl::MutexLock lock(&listener_mu_);
  listener_ = std::move(listener);
}

absl::StatusOr<int> SqliteTokenStore::PurgeExpired(int64_t now) {
  absl::MutexLock lock(&mu_);
  sqlite3_stmt* statement = purge_expired_.get();
  auto reset = ResetOnExit(statement);
  Binder bind(statement);
  bind.Int(now);
  if (bind.rc() != SQLITE_OK) {
    return StatementError(db_.get(), bind.rc(), "token store purge");
  }
  int rc = sqlite3_step(statement);
  if (rc != SQLITE_DONE)
    return StatementError(db_.get(), rc, "token store purge");
  return sqlite3_changes(db_.get());
}

}  // namespace porthole::controller
