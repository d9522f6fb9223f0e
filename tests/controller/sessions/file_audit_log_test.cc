#include "controller/sessions/file_audit_log.h"

#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

using ::porthole::testing::ReadFile;
using ::porthole::testing::TempDir;
using ::testing::HasSubstr;

AuditRecord Record(std::string server) {
  return AuditRecord{"url-issued", {{"server_id", std::move(server)}}};
}

TEST(FileAuditLog, Write_AppendsOneLinePerRecord_File0600) {
  TempDir dir;
  const std::string path = dir.path() + "/audit.jsonl";
  auto log = FileAuditLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  (*log)->Write(Record("a"));
  (*log)->Write(Record("b"));
  EXPECT_EQ(ReadFile(path),
            "{\"event\":\"url-issued\",\"server_id\":\"a\"}\n"
            "{\"event\":\"url-issued\",\"server_id\":\"b\"}\n");
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// logrotate: rename, then SIGHUP (Reopen); later records go to a new file.
TEST(FileAuditLog, Reopen_AfterRename_WritesToAFreshFile) {
  TempDir dir;
  const std::string path = dir.path() + "/audit.jsonl";
  auto log = FileAuditLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  (*log)->Write(Record("before"));
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  (*log)->Write(Record("between"));  // still the renamed file
  ASSERT_TRUE((*log)->Reopen().ok());
  (*log)->Write(Record("after"));
  EXPECT_THAT(ReadFile(path + ".1"), HasSubstr("before"));
  EXPECT_THAT(ReadFile(path + ".1"), HasSubstr("between"));
  EXPECT_EQ(ReadFile(path),
            "{\"event\":\"url-issued\",\"server_id\":\"after\"}\n");
}

TEST(FileAuditLog, Open_RelativeOrUnwritablePath_SaysWhy) {
  auto relative = FileAuditLog::Open("audit.jsonl");
  ASSERT_FALSE(relative.ok());
  EXPECT_THAT(std::string(relative.status().message()),
              HasSubstr("absolute path"));
  auto missing = FileAuditLog::Open("/nonexistent-dir/audit.jsonl");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("cannot open audit file /nonexistent-dir/audit.jsonl"));
}

}  // namespace
}  // namespace porthole::controller
