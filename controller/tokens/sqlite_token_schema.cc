#include "controller/tokens/sqlite_token_schema.h"

#include <iterator>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "controller/tokens/sqlite_status.h"

namespace porthole::controller {
namespace {

using sqlite::Exec;
using sqlite::QueryText;

// Bump with a migration in kMigrations whenever the table changes.
// 2: user_id and project_id of the caller who issued the URL (issue 13).
// 3: used, the mark of [consoleauth] single_use (issue 13).
// 4: what Keystone's revocation events may name of the issuing token.
constexpr int kSchemaVersion = 4;

constexpr char kSchemaSql[] = R"sql(
CREATE TABLE IF NOT EXISTS console_auth_tokens (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  console_type TEXT NOT NULL,
  host TEXT NOT NULL,
  port INTEGER NOT NULL,
  tls_port INTEGER,
  internal_access_path TEXT,
  instance_uuid TEXT NOT NULL,
  compute_host TEXT NOT NULL,
  access_url_base TEXT NOT NULL,
  expires INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  user_id TEXT NOT NULL DEFAULT '',
  project_id TEXT NOT NULL DEFAULT '',
  used INTEGER NOT NULL DEFAULT 0,
  audit_id TEXT NOT NULL DEFAULT '',
  audit_chain_id TEXT NOT NULL DEFAULT '',
  user_domain_id TEXT NOT NULL DEFAULT '',
  project_domain_id TEXT NOT NULL DEFAULT '',
  issued_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS console_auth_tokens_instance_uuid_idx
  ON console_auth_tokens (instance_uuid);
CREATE INDEX IF NOT EXISTS console_auth_tokens_expires_idx
  ON console_auth_tokens (expires);
PRAGMA user_version = 4;
)sql";

// From version 1: rows issued before the upgrade keep '' (unknown) for the
// issuer; they expire within token_ttl anyway.
constexpr char kMigrateFrom1Sql[] = R"sql(
ALTER TABLE console_auth_tokens ADD COLUMN user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE console_auth_tokens ADD COLUMN project_id TEXT NOT NULL DEFAULT '';
)sql";

// From version 2: every existing row is unused.
constexpr char kMigrateFrom2Sql[] = R"sql(
ALTER TABLE console_auth_tokens ADD COLUMN used INTEGER NOT NULL DEFAULT 0;
)sql";

// From version 3: rows issued before keep issued_at 0, which no revocation
// event matches; they expire within token_ttl anyway.
constexpr char kMigrateFrom3Sql[] = R"sql(
ALTER TABLE console_auth_tokens ADD COLUMN audit_id TEXT NOT NULL DEFAULT '';
ALTER TABLE console_auth_tokens ADD COLUMN audit_chain_id TEXT NOT NULL
  DEFAULT '';
ALTER TABLE console_auth_tokens ADD COLUMN user_domain_id TEXT NOT NULL
  DEFAULT '';
ALTER TABLE console_auth_tokens ADD COLUMN project_domain_id TEXT NOT NULL
  DEFAULT '';
ALTER TABLE console_auth_tokens ADD COLUMN issued_at INTEGER NOT NULL
  DEFAULT 0;
)sql";

// Each runs, in order, on a file of version `from` or older.
struct Migration {
  int from;
  const char* sql;
  const char* what;
};
constexpr Migration kMigrations[] = {
    {1, kMigrateFrom1Sql, "migrate schema 1 -> 2"},
    {2, kMigrateFrom2Sql, "migrate schema 2 -> 3"},
    {3, kMigrateFrom3Sql, "migrate schema 3 -> 4"},
};
static_assert(std::size(kMigrations) == kSchemaVersion - 1);

}  // namespace

absl::Status CreateTokenSchema(sqlite3* db) {
  // IMMEDIATE: two processes opening a new file at once create it in turn.
  if (auto status = Exec(db, "BEGIN IMMEDIATE", "begin"); !status.ok()) {
    return status;
  }
  absl::Cleanup rollback = [db] {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  };
  absl::StatusOr<std::string> version = QueryText(db, "PRAGMA user_version");
  if (!version.ok()) return version.status();
  int number = 0;
  if (!absl::SimpleAtoi(*version, &number) || number > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("schema version ", *version,
                     " is newer than this Porthole's (", kSchemaVersion, ")"));
  }
  // 0 is a new file: kSchemaSql creates the table as it is now.
  for (const Migration& m : kMigrations) {
    if (number < 1 || number > m.from) continue;
    if (auto status = Exec(db, m.sql, m.what); !status.ok()) return status;
  }
  if (auto status = Exec(db, kSchemaSql, "create schema"); !status.ok()) {
    return status;
  }
  if (auto status = Exec(db, "COMMIT", "commit"); !status.ok()) {
    return status;
  }
  std::move(rollback).Cancel();
  return absl::OkStatus();
}

}  // namespace porthole::controller
