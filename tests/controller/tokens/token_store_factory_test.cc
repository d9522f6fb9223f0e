#include "controller/tokens/token_store_factory.h"

#include <filesystem>
#include <string>

#include "controller/tokens/console_token.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace porthole::controller {
namespace {

using ::porthole::testing::TempDir;
using ::testing::HasSubstr;

ConsoleAuthRecord MakeRecord(const std::string& token) {
  ConsoleAuthRecord record;
  record.token_hash = HashConsoleToken(token);
  record.console_type = "serial";
  record.host = "192.0.2.10";
  record.port = 10000;
  record.instance_uuid = "b48316c5-71e8-45e4-9884-6c78055b9b13";
  record.compute_host = "compute-1";
  record.access_url_base = "ws://127.0.0.1:6083/";
  record.expires = 1000;
  return record;
}

TEST(OpenTokenStore, SqliteAbsolutePath_CreatesTheFileThere) {
  TempDir dir;
  std::string path = dir.path() + "/tokens.db";
  auto store = OpenTokenStore("sqlite://" + path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(std::filesystem::exists(path));
  std::string token = NewConsoleToken();
  ASSERT_TRUE((*store)->Insert(MakeRecord(token)).ok());
  EXPECT_TRUE((*store)->FindValid(HashConsoleToken(token), 0)->has_value());
}

TEST(OpenTokenStore, SqlAlchemyFourSlashForm_NamesTheSameFile) {
  TempDir dir;
  std::string path = dir.path() + "/tokens.db";
  std::string token = NewConsoleToken();
  {
    auto store = OpenTokenStore("sqlite://" + path);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Insert(MakeRecord(token)).ok());
  }
  auto store = OpenTokenStore("sqlite:///" + path);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->FindValid(HashConsoleToken(token), 0)->has_value());
}

TEST(OpenTokenStore, SqliteMemory_Works) {
  auto store = OpenTokenStore("sqlite://:memory:");
  ASSERT_TRUE(store.ok()) << store.status();
  std::string token = NewConsoleToken();
  ASSERT_TRUE((*store)->Insert(MakeRecord(token)).ok());
  EXPECT_TRUE((*store)->FindValid(HashConsoleToken(token), 0)->has_value());
}

TEST(OpenTokenStore, UnknownScheme_InvalidArgumentNamingTheAcceptedForms) {
  for (const char* url : {"postgresql://db/nova", "tokens.db", "",
                          "/var/lib/porthole/tokens.db", "SQLITE:///x.db"}) {
    auto store = OpenTokenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(std::string(store.status().message()),
                HasSubstr("unknown scheme"))
        << url;
    EXPECT_THAT(std::string(store.status().message()),
                HasSubstr("sqlite:///ABSOLUTE/PATH"))
        << url;
  }
}

TEST(OpenTokenStore, Redis_RefusedPointingAtEtcd) {
  auto store = OpenTokenStore("redis://127.0.0.1:6379/0");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("Redis is not supported (use etcd)"));
}

TEST(OpenTokenStore, EtcdUrls_ParsedAndRefusedByTheEtcdRules) {
  // Opening does not need etcd up: calls answer UNAVAILABLE until it is.
  auto store = OpenTokenStore("etcd://127.0.0.1:1/p",
                              {.timeout = absl::Milliseconds(200)});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->FindValid(std::string(64, 'a'), 0).status().code(),
            absl::StatusCode::kUnavailable);
  auto bad = OpenTokenStore("etcds://127.0.0.1:1/p?cert=/nonexistent.pem");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OpenTokenStore, RelativeOrEmptyPath_InvalidArgument) {
  for (const char* url : {"sqlite://tokens.db", "sqlite://", "sqlite:///",
                          "sqlite://./tokens.db"}) {
    auto store = OpenTokenStore(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument)
        << url << ": " << store.status();
  }
}

TEST(OpenTokenStore, QueryParameters_InvalidArgument) {
  auto store = OpenTokenStore("sqlite:////tmp/tokens.db?mode=ro");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists("/tmp/tokens.db?mode=ro"));
}

TEST(OpenTokenStore, UnopenablePath_SaysWhichPath) {
  TempDir dir;
  std::string path = dir.path() + "/missing/tokens.db";
  auto store = OpenTokenStore("sqlite://" + path);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("cannot open token store " + path));
}

}  // namespace
}  // namespace porthole::controller
