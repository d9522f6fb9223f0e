// KeystoneAuthenticator and KeystoneClient against a real Keystone
// (tests/support/keystone.h): libcurl, the service login, validation, the
// cache, and what happens when Keystone is wrong, gone or back.
#include "controller/keystone/keystone_authenticator.h"

#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "controller/keystone/keystone_client.h"
#include "gtest/gtest.h"
#include "tests/support/keystone.h"

namespace porthole::controller::keystone {
namespace {

using porthole::testing::Keystone;
using Clock = std::chrono::steady_clock;

class KeystoneAuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(keystone_.Start()) << keystone_.log(); }

  KeystoneOptions Options() const {
    KeystoneOptions o;
    o.auth_url = keystone_.url();
    o.username = "porthole";
    o.password = "porthole-pw";
    o.project_name = "service";
    o.http_connect_timeout = absl::Seconds(1);
    o.http_request_max_retries = 1;
    return o;
  }

  std::unique_ptr<KeystoneAuthenticator> Make(const KeystoneOptions& o) {
    auto made = KeystoneAuthenticator::Create(o);
    EXPECT_TRUE(made.ok()) << made.status();
    return made.ok() ? *std::move(made) : nullptr;
  }

  std::string AliceToken() {
    return keystone_.Token("alice", "alice-pw",
                           keystone_.seed().demo_project_id);
  }

  Keystone keystone_{/*compute_port=*/1};
};

TEST_F(KeystoneAuthenticatorTest, ValidTokens_GivePrincipalsWithImpliedRoles) {
  auto auth = Make(Options());
  const auto& seed = keystone_.seed();
  absl::StatusOr<Principal> alice = auth->Authenticate(AliceToken());
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->user_id, seed.alice_id);
  EXPECT_EQ(alice->user_name, "alice");
  EXPECT_EQ(alice->project_id, seed.demo_project_id);
  EXPECT_EQ(alice->project_name, "demo");
  EXPECT_TRUE(alice->HasRole("member"));
  EXPECT_TRUE(alice->HasRole("reader"));  // implied by member
  EXPECT_FALSE(alice->is_admin());
  EXPECT_GT(alice->expires_at, absl::ToUnixSeconds(absl::Now()) + 3000);

  absl::StatusOr<Principal> admin = auth->Authenticate(keystone_.AdminToken());
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_TRUE(admin->is_admin());
  EXPECT_TRUE(admin->HasRole("member"));
  EXPECT_TRUE(admin->HasRole("reader"));

  absl::StatusOr<Principal> rita = auth->Authenticate(
      keystone_.Token("rita", "rita-pw", seed.demo_project_id));
  ASSERT_TRUE(rita.ok()) << rita.status();
  EXPECT_EQ(rita->roles, std::vector<std::string>{"reader"});
}

TEST_F(KeystoneAuthenticatorTest, GarbageOrTamperedToken_IsUnauthenticated) {
  auto auth = Make(Options());
  std::string tampered = AliceToken();
  ASSERT_FALSE(tampered.empty());
  tampered[tampered.size() / 2] =
      tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {std::string("garbage"), tampered, std::string("a\r\nX-Evil: 1"),
        std::string(KeystoneAuthenticator::kMaxTokenBytes + 1, 'g')}) {
    absl::StatusOr<Principal> p = auth->Authenticate(token);
    EXPECT_TRUE(absl::IsUnauthenticated(p.status())) << p.status();
  }
}

TEST_F(KeystoneAuthenticatorTest, ExpiredToken_IsUnauthenticated) {
  // A second Keystone with the same fernet keys issues 4-second tokens
  // (room for a slow first validation on a loaded machine).
  Keystone short_lived(/*compute_port=*/1, /*token_expiration_seconds=*/4);
  ASSERT_TRUE(short_lived.Start()) << short_lived.log();
  const std::string token = short_lived.Token(
      "alice", "alice-pw", short_lived.seed().demo_project_id);
  ASSERT_FALSE(token.empty());
  auto auth = Make(Options());
  absl::StatusOr<Principal> before = auth->Authenticate(token);
  ASSERT_TRUE(before.ok()) << before.status();  // the keys are shared
  // Until a second past its expiry (expires_at has whole seconds).
  absl::SleepFor(absl::FromUnixSeconds(before->expires_at + 1) - absl::Now());
  absl::StatusOr<Principal> after = auth->Authenticate(token);
  EXPECT_TRUE(absl::IsUnauthenticated(after.status())) << after.status();
}

TEST_F(KeystoneAuthenticatorTest,
       RevokedToken_IsRefusedOnceTheCacheTimePasses) {
  KeystoneOptions o = Options();
  // Long enough for the revocation to land well inside it on a loaded
  // machine.
  o.token_cache_time = absl::Seconds(6);
  auto auth = Make(o);
  const std::string token = AliceToken();
  ASSERT_TRUE(auth->Authenticate(token).ok());
  ASSERT_TRUE(keystone_.Revoke(token)) << keystone_.last_reply().status;
  // The trade-off of the cache: trusted until token_cache_time passes.
  EXPECT_TRUE(auth->Authenticate(token).ok());
  // The answer was stored before this point, so it is gone 6 s later.
  std::this_thread::sleep_for(std::chrono::milliseconds(6100));
  absl::StatusOr<Principal> after = auth->Authenticate(token);
  EXPECT_TRUE(absl::IsUnauthenticated(after.status())) << after.status();
}

TEST_F(KeystoneAuthenticatorTest,
       KeystoneStopped_UnavailableFast_ThenRecovers) {
  auto auth = Make(Options());
  const std::string cached = AliceToken();
  const std::string fresh =
      keystone_.Token("bob", "bob-pw", keystone_.seed().other_project_id);
  ASSERT_TRUE(auth->Authenticate(cached).ok());
  keystone_.Stop();

  const auto start = Clock::now();
  absl::StatusOr<Principal> down = auth->Authenticate(fresh);
  const auto took = Clock::now() - start;
  EXPECT_TRUE(absl::IsUnavailable(down.status())) << down.status();
  // http_connect_timeout (1 s) x 2 attempts is the bound.
  EXPECT_LT(took, std::chrono::seconds(2) + std::chrono::milliseconds(500));
  EXPECT_TRUE(auth->Authenticate(cached).ok());  // from the cache

  ASSERT_TRUE(keystone_.Start()) << keystone_.log();
  absl::StatusOr<Principal> back = auth->Authenticate(fresh);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->user_id, keystone_.seed().bob_id);
}

TEST_F(KeystoneAuthenticatorTest, WrongServicePassword_NamesTheServiceUser) {
  KeystoneOptions o = Options();
  o.password = "wrong";
  KeystoneClient client(o);
  absl::Status login = client.CheckServiceLogin();
  EXPECT_TRUE(absl::IsUnavailable(login)) << login;
  EXPECT_NE(login.message().find("service user 'porthole'"),
            absl::string_view::npos)
      << login;
  EXPECT_NE(login.message().find("password"), absl::string_view::npos);
  absl::StatusOr<Principal> p = client.Validate(AliceToken());
  EXPECT_TRUE(absl::IsUnavailable(p.status())) << p.status();
  EXPECT_NE(p.status().message().find("'porthole'"), absl::string_view::npos);

  // The API's view: 503 (UNAVAILABLE), never 401 for the user's good token.
  auto auth = Make(o);
  EXPECT_TRUE(absl::IsUnavailable(auth->Authenticate(AliceToken()).status()));
}

TEST_F(KeystoneAuthenticatorTest,
       ServiceUserWithoutTheRole_IsADeploymentError) {
  KeystoneOptions o = Options();
  o.username = "porthole-member";
  o.password = "porthole-member-pw";
  KeystoneClient client(o);
  absl::StatusOr<Principal> p = client.Validate(AliceToken());
  EXPECT_TRUE(absl::IsUnavailable(p.status())) << p.status();
  EXPECT_NE(p.status().message().find("403"), absl::string_view::npos)
      << p.status();
  EXPECT_NE(p.status().message().find("porthole-member"),
            absl::string_view::npos);
}

TEST_F(KeystoneAuthenticatorTest, RevokedServiceToken_IsRenewedOnce) {
  KeystoneClient client(Options());
  ASSERT_TRUE(client.Validate(AliceToken()).ok());
  // Setting a user's password revokes every token of that user, so the
  // service token Porthole holds now gets 401 from Keystone.
  const std::string admin = keystone_.AdminToken();
  ASSERT_EQ(keystone_
                .Call("PATCH", "/v3/users/" + keystone_.seed().porthole_id,
                      admin, R"({"user": {"password": "porthole-pw"}})")
                .status,
            200);
  // Revocation events have 1-second resolution.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  absl::StatusOr<Principal> p = client.Validate(
      keystone_.Token("bob", "bob-pw", keystone_.seed().other_project_id));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->user_id, keystone_.seed().bob_id);
}

}  // namespace
}  // namespace porthole::controller::keystone
