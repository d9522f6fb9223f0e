#ifndef PORTHOLE_CONTROLLER_TOKENS_SQLITE_STATUS_H_
#define PORTHOLE_CONTROLLER_TOKENS_SQLITE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace porthole::controller::sqlite {

// SQLite's results as absl::Status, shared by the token store and its WAL
// checkpointer (internal to controller/tokens). Thread-compatible: each call
// uses only the connection it is given.

struct Closer {
  void operator()(sqlite3* db) const;
};
using Connection = std::unique_ptr<sqlite3, Closer>;

// "why" of an error on `db`, with the OS error when SQLite saw one (SQLite's
// own text for a missing directory is only "unable to open database file").
std::string Why(sqlite3* db, int rc);

// Errors of a statement on an open store. BUSY means another process held
// the write lock for longer than the busy timeout: UNAVAILABLE, worth a
// retry; anything else is INTERNAL.
absl::Status StatementError(sqlite3* db, int rc, std::string_view what);

// Runs `sql` (no rows expected).
absl::Status Exec(sqlite3* db, const char* sql, std::string_view what);

// Runs a statement that answers one row of one column; returns its text.
absl::StatusOr<std::string> QueryText(sqlite3* db, const char* sql);

}  // namespace porthole::controller::sqlite

#endif  // PORTHOLE_CONTROLLER_TOKENS_SQLITE_STATUS_H_
