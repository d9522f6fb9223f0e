#include "controller/tokens/sqlite_status.h"

#include <sqlite3.h>

#include <system_error>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace porthole::controller::sqlite {

void Closer::operator()(sqlite3* db) const { sqlite3_close(db); }

std::string Why(sqlite3* db, int rc) {
  if (db == nullptr) return sqlite3_errstr(rc);
  std::string why = sqlite3_errmsg(db);
  int os_error = sqlite3_system_errno(db);
  if (os_error != 0) {
    absl::StrAppend(&why, " (", std::generic_category().message(os_error), ")");
  }
  return why;
}

absl::Status StatementError(sqlite3* db, int rc, std::string_view what) {
  std::string message = absl::StrCat(std::string(what), ": ", Why(db, rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::Status Exec(sqlite3* db, const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return StatementError(db, rc, what);
  return absl::OkStatus();
}

absl::StatusOr<std::string> QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
  absl::Cleanup finalize = [raw] { sqlite3_finalize(raw); };
  if (rc != SQLITE_OK) return StatementError(db, rc, sql);
  rc = sqlite3_step(raw);
  if (rc != SQLITE_ROW) return StatementError(db, rc, sql);
  const unsigned char* text = sqlite3_column_text(raw, 0);
  return std::string(text == nullptr ? ""
                                     : reinterpret_cast<const char*>(text));
}

}  // namespace porthole::controller::sqlite
