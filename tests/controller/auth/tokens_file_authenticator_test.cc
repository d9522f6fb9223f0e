#include "controller/auth/tokens_file_authenticator.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

class TokensFileTest : public ::testing::Test {
 protected:
  TokensFileTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("porthole-tokens-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "tokens").string();
  }
  ~TokensFileTest() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& text) {
    std::ofstream(path_, std::ios::trunc) << text;
    std::filesystem::permissions(path_,
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(TokensFileTest, Load_ParsesLinesCommentsAndRoles) {
  Write(
      "# TOKEN USER PROJECT ROLES\n"
      "\n"
      "s3cret-admin  root\tops  admin,member,reader\r\n"
      "   # indented comment\n"
      "s3cret-alice alice p1 member\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_EQ((*authenticator)->size(), 2u);

  absl::StatusOr<Principal> admin =
      (*authenticator)->Authenticate("s3cret-admin");
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->user_id, "root");
  EXPECT_EQ(admin->project_id, "ops");
  EXPECT_EQ(admin->roles,
            (std::vector<std::string>{"admin", "member", "reader"}));
  EXPECT_TRUE(admin->is_admin());

  absl::StatusOr<Principal> alice =
      (*authenticator)->Authenticate("s3cret-alice");
  ASSERT_TRUE(alice.ok());
  // Keystone's implied roles, as a Keystone token lists them.
  EXPECT_EQ(alice->roles, (std::vector<std::string>{"member", "reader"}));
}

TEST_F(TokensFileTest, UnknownOrPartialToken_IsRefused) {
  Write("s3cret-alice alice p1 member\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_TRUE(authenticator.ok());
  EXPECT_FALSE((*authenticator)->Authenticate("s3cret").ok());
  EXPECT_FALSE((*authenticator)->Authenticate("s3cret-alice2").ok());
  EXPECT_FALSE((*authenticator)->Authenticate("").ok());
  EXPECT_FALSE((*authenticator)->Authenticate("alice").ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      (*authenticator)->Authenticate("s3cret").status()));
}

TEST_F(TokensFileTest, AdminOnly_CarriesTheImpliedMemberAndReader) {
  Write("s3cret-root root ops admin\ns3cret-custom u p custom\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_TRUE(authenticator.ok()) << authenticator.status();
  EXPECT_EQ((*authenticator)->Authenticate("s3cret-root")->roles,
            (std::vector<std::string>{"admin", "member", "reader"}));
  EXPECT_EQ((*authenticator)->Authenticate("s3cret-custom")->roles,
            (std::vector<std::string>{"custom"}));
}

TEST_F(TokensFileTest, MissingFile_IsAnErrorNamingIt) {
  auto authenticator = TokensFileAuthenticator::Load(path_ + ".missing");
  ASSERT_FALSE(authenticator.ok());
  EXPECT_NE(authenticator.status().message().find("tokens.missing"),
            absl::string_view::npos);
}

TEST_F(TokensFileTest, WrongFieldCount_NamesTheLine) {
  Write("# header\nok u p member\nbroken u p\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_FALSE(authenticator.ok());
  EXPECT_EQ(authenticator.status().message(),
            path_ +
                ":3: expected TOKEN USER_ID PROJECT_ID ROLE[,ROLE...] (4 "
                "fields), got 3");
}

TEST_F(TokensFileTest, EmptyRole_IsAnError) {
  Write("t u p member,,reader\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_FALSE(authenticator.ok());
  EXPECT_EQ(authenticator.status().message(),
            path_ + ":1: empty role name in the role list");
}

TEST_F(TokensFileTest, DuplicateToken_IsAnErrorThatDoesNotPrintIt) {
  Write("same-token a p member\nother b p member\nsame-token c p reader\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_FALSE(authenticator.ok());
  EXPECT_EQ(authenticator.status().message(),
            path_ + ":3: duplicate token (first on line 1)");
}

TEST_F(TokensFileTest, ControlCharacter_IsAnError) {
  Write("t u p\x01 member\n");
  EXPECT_FALSE(TokensFileAuthenticator::Load(path_).ok());
}

TEST_F(TokensFileTest, Reload_SwapsInANewTable) {
  Write("old-token a p member\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_TRUE(authenticator.ok());
  Write("new-token b q reader\n");
  ASSERT_TRUE((*authenticator)->Reload().ok());
  EXPECT_FALSE((*authenticator)->Authenticate("old-token").ok());
  EXPECT_EQ((*authenticator)->Authenticate("new-token")->user_id, "b");
}

TEST_F(TokensFileTest, ReloadOfABadFile_KeepsTheOldTable) {
  Write("old-token a p member\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_TRUE(authenticator.ok());
  Write("new-token b q reader\nbroken line\n");
  absl::Status reloaded = (*authenticator)->Reload();
  EXPECT_FALSE(reloaded.ok());
  EXPECT_NE(reloaded.message().find(":2:"), absl::string_view::npos);
  EXPECT_EQ((*authenticator)->Authenticate("old-token")->user_id, "a");
  EXPECT_FALSE((*authenticator)->Authenticate("new-token").ok());

  std::filesystem::remove(path_);
  EXPECT_FALSE((*authenticator)->Reload().ok());
  EXPECT_TRUE((*authenticator)->Authenticate("old-token").ok());
}

TEST_F(TokensFileTest, ConcurrentLookupsDuringReloads_AlwaysSeeATable) {
  Write("tok-a a p member\n");
  auto authenticator = TokensFileAuthenticator::Load(path_);
  ASSERT_TRUE(authenticator.ok());
  TokensFileAuthenticator* shared = authenticator->get();
  std::vector<std::thread> readers;
  std::atomic<int> misses{0};
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      for (int j = 0; j < 2000; ++j) {
        if (!shared->Authenticate("tok-a").ok()) ++misses;
      }
    });
  }
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(shared->Reload().ok());
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(misses.load(), 0);
}

TEST_F(TokensFileTest, OversizedFile_IsRefused) {
  Write(std::string(TokensFileAuthenticator::kMaxFileBytes + 1, '#'));
  EXPECT_FALSE(TokensFileAuthenticator::Load(path_).ok());
}

}  // namespace
}  // namespace porthole::controller
