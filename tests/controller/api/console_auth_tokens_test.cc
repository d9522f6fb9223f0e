// Spec section 7, items 12-13: GET /os-console-auth-tokens/{token} and what
// the store keeps, against a real SQLite store.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "api_test_support.h"
#include "controller/tokens/console_token.h"
#include "gtest/gtest.h"

namespace porthole::controller::testing {
namespace {

class ConsoleAuthTokensTest : public ::testing::TestWithParam<AuthKind> {
 protected:
  ConsoleAuthTokensTest() : api_(GetParam()) {}

  // Issues a console and returns its token.
  std::string Issue(const std::string& protocol = "vnc",
                    const std::string& type = "novnc",
                    const std::string& version = "2.6") {
    HttpResponse response =
        api_.RemoteConsole(kServerId, protocol, type, version);
    EXPECT_EQ(response.status, 200) << response.body;
    return TokenOf(BodyOf(response)["remote_console"]["url"]);
  }

  HttpResponse Show(const std::string& token, const std::string& version,
                    const std::string& caller = "",
                    const std::string& query = "") {
    return api_.Call("GET", "/v2.1/os-console-auth-tokens/" + token + query,
                     caller.empty() ? api_.admin_ : caller, version);
  }

  ApiFixture api_;
};

INSTANTIATE_TEST_SUITE_P(BothAuthenticators, ConsoleAuthTokensTest,
                         ::testing::Values(AuthKind::kNoauth2,
                                           AuthKind::kTokensFile),
                         AuthKindName);

// Item 12.
TEST_P(ConsoleAuthTokensTest, AdminAt2_31_GetsExactlyFourKeys) {
  std::string token = Issue();
  HttpResponse response = Show(token, "2.31");
  ASSERT_EQ(response.status, 200) << response.body;
  auto console = BodyOf(response)["console"];
  EXPECT_EQ(console.size(), 4u);
  EXPECT_EQ(console["instance_uuid"], kServerId);
  EXPECT_EQ(console["host"], "192.0.2.10");
  ASSERT_TRUE(console["port"].is_number_integer());
  EXPECT_EQ(console["port"], 5901);
  EXPECT_TRUE(console["internal_access_path"].is_null());
}

TEST_P(ConsoleAuthTokensTest, At2_30_Returns400GenericTextEvenForMembers) {
  std::string token = Issue();
  for (const std::string& caller : {api_.admin_, api_.member_}) {
    HttpResponse response = Show(token, "2.30", caller);
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(FaultMessage(response),
              "The server could not comply with the request since\r\nit is "
              "either malformed or otherwise incorrect.\r\n");
  }
}

TEST_P(ConsoleAuthTokensTest, MemberAt2_31_Returns403) {
  HttpResponse response = Show(Issue(), "2.31", api_.member_);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(FaultMessage(response),
            "Policy doesn't allow os_compute_api:os-console-auth-tokens to be "
            "performed.");
}

TEST_P(ConsoleAuthTokensTest, UnknownToken_Returns404TokenNotFound) {
  HttpResponse response = Show("0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d", "2.31");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(FaultName(response), "itemNotFound");
  EXPECT_EQ(FaultMessage(response), "Token not found");
}

TEST_P(ConsoleAuthTokensTest, TokenAfterExpiry_Returns404) {
  std::string token = Issue();
  api_.now_ += 599;
  EXPECT_EQ(Show(token, "2.31").status, 200);
  api_.now_ += 1;  // expires = issue time + 600: no longer valid
  EXPECT_EQ(FaultMessage(Show(token, "2.31")), "Token not found");
}

TEST_P(ConsoleAuthTokensTest, TtlOfOneSecond_ExpiresAfterTwo) {
  ApiConfig config;
  config.consoles.token_ttl_seconds = 1;
  ApiFixture api(GetParam(), config);
  HttpResponse issued = api.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  std::string token = TokenOf(BodyOf(issued)["remote_console"]["url"]);
  api.now_ += 2;
  HttpResponse response = api.Call(
      "GET", "/v2.1/os-console-auth-tokens/" + token, api.admin_, "2.31");
  EXPECT_EQ(response.status, 404);
}

TEST_P(ConsoleAuthTokensTest, QueryParameterAt2_99_Returns400) {
  HttpResponse response = Show(Issue(), "2.99", "", "?foo=1");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(FaultMessage(response),
            "Additional properties are not allowed ('foo' was unexpected)");
}

TEST_P(ConsoleAuthTokensTest, QueryParameterAt2_98_IsIgnored) {
  EXPECT_EQ(Show(Issue(), "2.98", "", "?foo=1").status, 200);
}

TEST_P(ConsoleAuthTokensTest, QueryCheckedBeforePolicyAt2_99) {
  EXPECT_EQ(Show(Issue(), "2.99", api_.member_, "?foo=1").status, 400);
}

TEST_P(ConsoleAuthTokensTest, SpiceDirectToken_HasTlsPortFrom2_99Only) {
  std::string token = Issue("spice", "spice-direct", "2.99");
  auto at_2_99 = BodyOf(Show(token, "2.99"))["console"];
  EXPECT_EQ(at_2_99.size(), 5u);
  EXPECT_EQ(at_2_99["tls_port"], 5903);
  EXPECT_EQ(at_2_99["port"], 5902);
  auto at_2_98 = BodyOf(Show(token, "2.98"))["console"];
  EXPECT_FALSE(at_2_98.contains("tls_port"));
}

TEST_P(ConsoleAuthTokensTest, SpiceHtml5Token_HasNoTlsPortAt2_99) {
  std::string token = Issue("spice", "spice-html5", "2.6");
  EXPECT_FALSE(BodyOf(Show(token, "2.99"))["console"].contains("tls_port"));
}

// Item 13.
TEST_P(ConsoleAuthTokensTest, TwoRequests_GiveTwoTokensBothValid) {
  std::string first = Issue();
  std::string second = Issue();
  EXPECT_NE(first, second);
  EXPECT_EQ(Show(first, "2.31").status, 200);
  EXPECT_EQ(Show(second, "2.31").status, 200);
}

TEST_P(ConsoleAuthTokensTest, StoreHoldsTheHashWithTheEndpoint) {
  std::string token = Issue();
  auto record = api_.store_->FindValid(HashConsoleToken(token), api_.now_);
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->has_value());
  EXPECT_EQ((*record)->token_hash, HashConsoleToken(token));
  EXPECT_EQ((*record)->console_type, "novnc");
  EXPECT_EQ((*record)->compute_host, kHost);
  EXPECT_EQ((*record)->access_url_base, "http://127.0.0.1:6080/vnc_lite.html");
  EXPECT_EQ((*record)->expires, kStartTime + 600);
  EXPECT_FALSE((*record)->internal_access_path.has_value());
}

// The database file never contains a raw token, only its SHA-256.
TEST(ConsoleAuthTokensFileTest, DatabaseFileHoldsOnlyTheHash) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("porthole-token-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string token;
  {
    auto store = OpenTokenStore("sqlite://" + (dir / "tokens.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    StaticServerDirectory directory(StandardServers());
    Noauth2Authenticator authenticator;
    ApiHandler handler(ApiConfig(), &authenticator, &directory, store->get());
    HttpRequest request;
    request.method = "POST";
    request.target =
        std::string("/v2.1/servers/") + kServerId + "/remote-consoles";
    request.headers = {{"X-Auth-Token", std::string("alice:") + kProject},
                       {"OpenStack-API-Version", "compute 2.6"}};
    request.body =
        R"({"remote_console": {"protocol": "vnc", "type": "novnc"}})";
    HttpResponse response = handler.Handle(request);
    ASSERT_EQ(response.status, 200) << response.body;
    token = TokenOf(BodyOf(response)["remote_console"]["url"]);
    ASSERT_EQ(token.size(), 36u);
  }
  std::string bytes;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream file(entry.path(), std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), {});
  }
  EXPECT_EQ(bytes.find(token), std::string::npos);
  EXPECT_NE(bytes.find(HashConsoleToken(token)), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace porthole::controller::testing
