#ifndef PORTHOLE_CONTROLLER_TOKENS_SQLITE_TOKEN_SCHEMA_H_
#define PORTHOLE_CONTROLLER_TOKENS_SQLITE_TOKEN_SCHEMA_H_

#include <sqlite3.h>

#include "absl/status/status.h"

namespace porthole::controller {

// Creates the console_auth_tokens table and its indexes in `db`, or brings
// an older Porthole's table up to this one's schema (PRAGMA user_version;
// a row of an older version keeps the defaults of the columns added since).
// One IMMEDIATE transaction, so two processes opening one new file create
// it in turn. FAILED_PRECONDITION for a schema newer than this Porthole's.
// Internal to SqliteTokenStore.
absl::Status CreateTokenSchema(sqlite3* db);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_SQLITE_TOKEN_SCHEMA_H_
