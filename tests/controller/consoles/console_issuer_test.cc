#include "controller/consoles/console_issuer.h"

#include <memory>
#include <regex>

#include "controller/tokens/console_token.h"
#include "controller/tokens/token_store_factory.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

constexpr int64_t kNow = 1'800'000'000;

class ConsoleIssuerTest : public ::testing::Test {
 protected:
  ConsoleIssuerTest() {
    auto store = OpenTokenStore("sqlite://:memory:");
    EXPECT_TRUE(store.ok());
    store_ = *std::move(store);
    server_.host = "compute-7";
    server_.domain.set_uuid("5d1e7a3c-2b4f-4e8a-9c6d-0a1b2c3d4e5f");
  }

  ConsoleIssuer Issuer(ConsoleOptions options = {}) {
    return ConsoleIssuer(std::move(options), store_.get(), [] { return kNow; });
  }

  static agent::v1::GetConsoleResponse Answer(agent::v1::Protocol protocol,
                                              uint32_t port,
                                              uint32_t tls_port = 0) {
    agent::v1::GetConsoleResponse answer;
    answer.mutable_console()->set_protocol(protocol);
    answer.mutable_console()->set_host("2001:db8::5");
    answer.mutable_console()->set_port(port);
    answer.mutable_console()->set_tls_port(tls_port);
    return answer;
  }

  static std::string TokenIn(const std::string& url) {
    std::smatch match;
    EXPECT_TRUE(std::regex_search(url, match, std::regex("([0-9a-f-]{36})$")))
        << url;
    return match.size() > 1 ? match[1].str() : "";
  }

  std::unique_ptr<TokenStore> store_;
  Server server_;
};

TEST_F(ConsoleIssuerTest, Issue_StoresTheHashAndEndpointAndReturnsTheUrl) {
  ConsoleKind kind{agent::v1::PROTOCOL_SPICE, "spice-html5"};
  absl::StatusOr<std::string> url = Issuer().Issue(
      server_, kind, Answer(agent::v1::PROTOCOL_SPICE, 5902, 5903));
  ASSERT_TRUE(url.ok()) << url.status();
  std::string token = TokenIn(*url);
  EXPECT_TRUE(LooksLikeConsoleToken(token));
  EXPECT_EQ(*url, "http://127.0.0.1:6082/spice_auto.html?token=" + token);

  auto record = store_->FindValid(HashConsoleToken(token), kNow);
  ASSERT_TRUE(record.ok());
  ASSERT_TRUE(record->has_value());
  const ConsoleAuthRecord& stored = **record;
  EXPECT_EQ(stored.console_type, "spice-html5");
  EXPECT_EQ(stored.host, "2001:db8::5");
  EXPECT_EQ(stored.port, 5902u);
  EXPECT_EQ(stored.tls_port, 5903u);
  EXPECT_EQ(stored.instance_uuid, server_.domain.uuid());
  EXPECT_EQ(stored.compute_host, "compute-7");
  EXPECT_EQ(stored.access_url_base, "http://127.0.0.1:6082/spice_auto.html");
  EXPECT_EQ(stored.expires, kNow + 600);
}

TEST_F(ConsoleIssuerTest, Issue_UsesTheConfiguredTtl) {
  ConsoleOptions options;
  options.token_ttl_seconds = 30;
  ConsoleKind kind{agent::v1::PROTOCOL_VNC, "novnc"};
  auto url = Issuer(options).Issue(server_, kind,
                                   Answer(agent::v1::PROTOCOL_VNC, 5900));
  ASSERT_TRUE(url.ok());
  std::string hash = HashConsoleToken(TokenIn(*url));
  EXPECT_TRUE(store_->FindValid(hash, kNow + 29)->has_value());
  EXPECT_FALSE(store_->FindValid(hash, kNow + 30)->has_value());
}

TEST_F(ConsoleIssuerTest, NoConsole_IsUnavailableNamingTheProtocol) {
  ConsoleKind kind{agent::v1::PROTOCOL_SERIAL, "serial"};
  auto url = Issuer().Issue(server_, kind, agent::v1::GetConsoleResponse());
  EXPECT_EQ(url.status(),
            absl::InvalidArgumentError("Unavailable console type serial."));
}

TEST_F(ConsoleIssuerTest, SocketOnlyConsole_IsUnavailable) {
  agent::v1::GetConsoleResponse answer;
  answer.mutable_console()->set_protocol(agent::v1::PROTOCOL_VNC);
  answer.mutable_console()->set_socket_path("/run/vnc.sock");
  ConsoleKind kind{agent::v1::PROTOCOL_VNC, "novnc"};
  EXPECT_EQ(Issuer().Issue(server_, kind, answer).status().message(),
            "Unavailable console type vnc.");
}

TEST_F(ConsoleIssuerTest, SpiceDirect_AcceptsATlsPortAlone) {
  ConsoleKind kind{agent::v1::PROTOCOL_SPICE, "spice-direct"};
  auto url =
      Issuer().Issue(server_, kind, Answer(agent::v1::PROTOCOL_SPICE, 0, 5903));
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->rfind("http://127.0.0.1:13002/nova?token=", 0), 0u);
}

TEST_F(ConsoleIssuerTest, SpiceHtml5_AcceptsATlsPortAlone) {
  ConsoleKind kind{agent::v1::PROTOCOL_SPICE, "spice-html5"};
  auto url =
      Issuer().Issue(server_, kind, Answer(agent::v1::PROTOCOL_SPICE, 0, 5903));
  ASSERT_TRUE(url.ok()) << url.status();
  auto record = store_->FindValid(HashConsoleToken(TokenIn(*url)), kNow);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->port, 0u);
  EXPECT_EQ((*record)->tls_port, 5903u);
}

TEST_F(ConsoleIssuerTest, TwoIssues_GiveDifferentTokens) {
  ConsoleKind kind{agent::v1::PROTOCOL_VNC, "novnc"};
  auto first =
      Issuer().Issue(server_, kind, Answer(agent::v1::PROTOCOL_VNC, 1));
  auto second =
      Issuer().Issue(server_, kind, Answer(agent::v1::PROTOCOL_VNC, 1));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
}

}  // namespace
}  // namespace porthole::controller
