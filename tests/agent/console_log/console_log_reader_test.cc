#include "agent/console_log/console_log_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/support/child_process.h"

namespace porthole::agent {
namespace {

class ConsoleLogReaderTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const {
    return dir_.path() + "/" + name;
  }
  testing::TempDir dir_;
};

TEST_F(ConsoleLogReaderTest, SmallLog_ReturnsItWhole) {
  testing::WriteFile(Path("console.log"), "boot\nlogin: ");
  absl::StatusOr<LogTail> tail = ReadConsoleLogTail(Path("console.log"), 100);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_EQ(tail->bytes, "boot\nlogin: ");
  EXPECT_EQ(tail->truncated_bytes, 0u);
}

TEST_F(ConsoleLogReaderTest, LargeLog_ReturnsOnlyItsLastBytes) {
  std::string log(1 << 20, 'a');
  log += "the end\n";
  testing::WriteFile(Path("console.log"), log);
  absl::StatusOr<LogTail> tail = ReadConsoleLogTail(Path("console.log"), 8);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_EQ(tail->bytes, "the end\n");
  EXPECT_EQ(tail->truncated_bytes, log.size() - 8);
}

TEST_F(ConsoleLogReaderTest, MissingLog_IsEmpty) {
  absl::StatusOr<LogTail> tail = ReadConsoleLogTail(Path("never.log"), 100);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_EQ(tail->bytes, "");
  EXPECT_TRUE(ReadConsoleLogTail(Path("no/such/dir.log"), 100).ok());
}

TEST_F(ConsoleLogReaderTest, RotatedFiles_AreReadNewestLastWithinTheBudget) {
  // virtlogd: console.log is the newest, console.log.0 the one before.
  testing::WriteFile(Path("console.log"), "three\n");
  testing::WriteFile(Path("console.log.0"), "two\n");
  testing::WriteFile(Path("console.log.1"), "one\n");
  absl::StatusOr<LogTail> all = ReadConsoleLogTail(Path("console.log"), 100);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->bytes, "one\ntwo\nthree\n");
  absl::StatusOr<LogTail> some = ReadConsoleLogTail(Path("console.log"), 8);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(some->bytes, "o\nthree\n");
}

TEST_F(ConsoleLogReaderTest, Symlink_IsRefusedNotFollowed) {
  testing::WriteFile(Path("secret"), "do not read\n");
  ASSERT_EQ(symlink(Path("secret").c_str(), Path("console.log").c_str()), 0);
  absl::StatusOr<LogTail> tail = ReadConsoleLogTail(Path("console.log"), 100);
  EXPECT_EQ(tail.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(ConsoleLogReaderTest, Fifo_IsRefusedWithoutBlocking) {
  ASSERT_EQ(mkfifo(Path("console.log").c_str(), 0600), 0);
  absl::StatusOr<LogTail> tail = ReadConsoleLogTail(Path("console.log"), 100);
  EXPECT_EQ(tail.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(tail.status().message().find("not a regular file"),
            std::string::npos);
}

TEST_F(ConsoleLogReaderTest, Directory_IsRefused) {
  ASSERT_EQ(mkdir(Path("console.log").c_str(), 0700), 0);
  EXPECT_EQ(ReadConsoleLogTail(Path("console.log"), 100).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace porthole::agent
