#include "controller/tokens/sqlite_token_store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "controller/tokens/console_token.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/tokens/token_store_test_support.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

using ::porthole::testing::ReadFile;
using ::porthole::testing::TempDir;
using ::porthole::testing::WaitFor;
using ::porthole::testing::WriteFile;
using ::testing::HasSubstr;

// Runs one single-value query on its own connection to the file, the way an
// operator's sqlite3 shell would see it.
std::string QueryFile(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    if (text != nullptr) value = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// Bytes of a file; 0 when it does not exist.
int64_t FileSize(const std::string& path) {
  struct stat file_stat;
  return stat(path.c_str(), &file_stat) == 0 ? file_stat.st_size : 0;
}

class SqliteTokenStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteTokenStore> OpenStore() {
    auto store = SqliteTokenStore::Open(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  // Every byte SQLite keeps on disk for the store: the database, its
  // write-ahead log and the shared-memory index.
  std::string DiskBytes() {
    return ReadFile(path_) + ReadFile(path_ + "-wal") +
           ReadFile(path_ + "-shm");
  }

  TempDir dir_;
  std::string path_ = dir_.path() + "/tokens.db";
};

// The contract every backend keeps is token_store_contract_test.cc; here,
// what only SQLite promises: files, WAL, schema, exact purges.

TEST_F(SqliteTokenStoreTest, DiskFiles_HoldTheHashButNeverTheToken) {
  std::string token = NewConsoleToken();
  std::string hash = HashConsoleToken(token);
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Insert(MakeRecord(token, kServerA, 1000)).ok());
    // While open, the row is in the write-ahead log.
    std::string bytes = DiskBytes();
    EXPECT_NE(bytes.find(hash), std::string::npos) << "search is broken";
    EXPECT_EQ(bytes.find(token), std::string::npos);
  }
  // After close, SQLite has checkpointed it into the database file.
  std::string bytes = ReadFile(path_);
  EXPECT_NE(bytes.find(hash), std::string::npos);
  EXPECT_EQ(bytes.find(token), std::string::npos);
}

TEST_F(SqliteTokenStoreTest, PurgeExpired_RemovesRowsAtOrBeforeNow) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> tokens;
  for (int64_t expires : {100, 200, 300, 400}) {
    tokens.push_back(NewConsoleToken());
    ASSERT_TRUE(
        store->Insert(MakeRecord(tokens.back(), kServerA, expires)).ok());
  }
  EXPECT_EQ(*store->PurgeExpired(50), 0);
  EXPECT_EQ(*store->PurgeExpired(200), 2);
  EXPECT_EQ(*store->PurgeExpired(200), 0);
  // Purged rows are gone even for a caller whose clock runs behind.
  EXPECT_FALSE(store->FindValid(HashConsoleToken(tokens[0]), 0)->has_value());
  EXPECT_FALSE(store->FindValid(HashConsoleToken(tokens[1]), 0)->has_value());
  EXPECT_TRUE(store->FindValid(HashConsoleToken(tokens[2]), 250)->has_value());
  EXPECT_EQ(*store->PurgeExpired(1000), 2);
}

TEST_F(SqliteTokenStoreTest, Open_UsesWalJournalAndTheNovaSchema) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryFile(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryFile(path_, "PRAGMA user_version"), "4");
  for (const char* index : {"console_auth_tokens_instance_uuid_idx",
                            "console_auth_tokens_expires_idx"}) {
    EXPECT_EQ(
        QueryFile(path_, absl::StrCat("SELECT count(*) FROM sqlite_master"
                                      " WHERE type = 'index' AND name = '",
                                      index, "'")),
        "1")
        << index;
  }
}

TEST_F(SqliteTokenStoreTest, Open_NewFile_IsReadableOnlyByOwner) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Insert(MakeRecord(NewConsoleToken(), kServerA, 1)).ok());
  for (const std::string& file : {path_, path_ + "-wal"}) {
    struct stat file_stat;
    ASSERT_EQ(stat(file.c_str(), &file_stat), 0) << file;
    EXPECT_EQ(file_stat.st_mode & 0777, 0600u) << file;
  }
}

TEST_F(SqliteTokenStoreTest, Open_MissingDirectory_SaysWhichPathAndWhy) {
  std::string path = dir_.path() + "/missing/tokens.db";
  auto store = SqliteTokenStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("cannot open token store " + path + ": "));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("No such file or directory"));
}

TEST_F(SqliteTokenStoreTest, Open_NotADatabase_SaysSo) {
  WriteFile(path_, std::string(4096, 'x'));
  auto store = SqliteTokenStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("cannot open token store " + path_ + ": "));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("file is not a database"));
}

TEST_F(SqliteTokenStoreTest, Open_NewerSchema_Refused) {
  { ASSERT_NE(OpenStore(), nullptr); }
  QueryFile(path_, "PRAGMA user_version = 7");
  auto store = SqliteTokenStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("schema version 7 is newer"));
}

// A tokens.db written by the release before issue 13 (schema 1, no issuer
// columns), with one live row.
TEST_F(SqliteTokenStoreTest, Open_Schema1File_MigratesAndKeepsItsTokens) {
  const std::string token = NewConsoleToken();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    const std::string sql = absl::StrCat(
        "CREATE TABLE console_auth_tokens (id INTEGER PRIMARY KEY,"
        " token_hash TEXT NOT NULL UNIQUE, console_type TEXT NOT NULL,"
        " host TEXT NOT NULL, port INTEGER NOT NULL, tls_port INTEGER,"
        " internal_access_path TEXT, instance_uuid TEXT NOT NULL,"
        " compute_host TEXT NOT NULL, access_url_base TEXT NOT NULL,"
        " expires INTEGER NOT NULL, created_at INTEGER NOT NULL);"
        "PRAGMA user_version = 1;"
        "INSERT INTO console_auth_tokens (token_hash, console_type, host,"
        " port, instance_uuid, compute_host, access_url_base, expires,"
        " created_at) VALUES ('",
        HashConsoleToken(token), "', 'novnc', '192.0.2.10', 5901, '", kServerA,
        "', 'compute-1', 'http://x/vnc_lite.html', 1000, 1);");
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(QueryFile(path_, "PRAGMA user_version"), "4");
  auto old = store->FindValid(HashConsoleToken(token), 0);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->instance_uuid, kServerA);
  EXPECT_EQ((*old)->user_id, "");
  EXPECT_EQ((*old)->project_id, "");
  // Migrated rows name no Keystone token: no revocation event matches.
  EXPECT_EQ((*old)->revocation_keys.issued_at, 0);
  // Migrated rows start unused ([consoleauth] single_use, schema 3).
  EXPECT_EQ(*store->MarkUsed(HashConsoleToken(token), 0), true);
  EXPECT_EQ(*store->MarkUsed(HashConsoleToken(token), 0), false);

  ConsoleAuthRecord fresh = MakeRecord(NewConsoleToken(), kServerB, 1000);
  fresh.user_id = "alice";
  fresh.project_id = "p1";
  fresh.revocation_keys = {"aud", "chain", "default", "default", 5};
  ASSERT_TRUE(store->Insert(fresh).ok());
  auto found = store->FindValid(fresh.token_hash, 0);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user_id, "alice");
  EXPECT_EQ((*found)->project_id, "p1");
  EXPECT_EQ((*found)->revocation_keys.audit_chain_id, "chain");
  EXPECT_EQ((*found)->revocation_keys.issued_at, 5);
}

TEST_F(SqliteTokenStoreTest, Open_InMemory_Works) {
  auto store = SqliteTokenStore::Open(":memory:");
  ASSERT_TRUE(store.ok()) << store.status();
  std::string token = NewConsoleToken();
  ASSERT_TRUE((*store)->Insert(MakeRecord(token, kServerA, 10)).ok());
  EXPECT_TRUE((*store)->FindValid(HashConsoleToken(token), 0)->has_value());
}

// Issue 16 item 1: after 4,000 URLs the WAL was 80 MB and tokens.db still
// 4,096 bytes, because no checkpoint ever did anything.
TEST_F(SqliteTokenStoreTest, FourThousandInserts_WalStaysBounded_FileGrows) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  int64_t largest_wal = 0;
  for (int i = 0; i < 4000; ++i) {
    ASSERT_TRUE(
        store->Insert(MakeRecord(NewConsoleToken(), kServerA, 1000)).ok())
        << i;
    largest_wal = std::max(largest_wal, FileSize(path_ + "-wal"));
  }
  EXPECT_LE(largest_wal, SqliteTokenStore::kWalSizeLimitBytes);
  // The rows reach the main file (checkpoints run on the store's thread,
  // within a second of the last commit): 4,000 rows take ~1.3 MB.
  EXPECT_TRUE(WaitFor([&] { return FileSize(path_) > 600'000; },
                      std::chrono::seconds(10)))
      << FileSize(path_);
  EXPECT_EQ(QueryFile(path_, "SELECT count(*) FROM console_auth_tokens"),
            "4000");
}

// The fault behind issue 16, kept on purpose: checkpoints that answer OK and
// do nothing. The store says so and keeps the WAL bounded by itself.
TEST_F(SqliteTokenStoreTest, CheckpointsThatDoNothing_Logged_WalStillBounded) {
  ::testing::internal::CaptureStderr();
  auto store = SqliteTokenStore::OpenWithNoOpCheckpointerForTesting(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  int64_t largest_wal = 0;
  for (int i = 0; i < 4000; ++i) {
    ASSERT_TRUE(
        (*store)->Insert(MakeRecord(NewConsoleToken(), kServerA, 1000)).ok())
        << i;
    largest_wal = std::max(largest_wal, FileSize(path_ + "-wal"));
  }
  const int64_t file_size = FileSize(path_);
  store->reset();
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_LE(largest_wal, SqliteTokenStore::kWalSizeLimitBytes);
  EXPECT_GT(file_size, 600'000);
  EXPECT_THAT(log, HasSubstr("ERROR tokens: a WAL checkpoint did nothing"));
  EXPECT_EQ(QueryFile(path_, "SELECT count(*) FROM console_auth_tokens"),
            "4000");
}

}  // namespace
}  // namespace porthole::controller
