#include "controller/etcd/etcd_store_options.h"

#include <string>

#include "controller/etcd/etcd_client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

using ::testing::HasSubstr;

TEST(ParseEtcdStoreUrl, ThreeMembersAndAPrefix) {
  auto options = ParseEtcdStoreUrl("etcd://h1:2379,h2:2380,[::1]:2381/ph/x/");
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_EQ(options->endpoints.size(), 3u);
  EXPECT_EQ(options->endpoints[0].ToString(), "h1:2379");
  EXPECT_EQ(options->endpoints[1].ToString(), "h2:2380");
  EXPECT_EQ(options->endpoints[2].ToString(), "[::1]:2381");
  EXPECT_EQ(options->prefix, "/ph/x");
  EXPECT_FALSE(options->tls);
}

TEST(ParseEtcdStoreUrl, NoPortNoPrefix_Defaults) {
  auto options = ParseEtcdStoreUrl("etcd://etcd.internal");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->endpoints[0].ToString(), "etcd.internal:2379");
  EXPECT_EQ(options->prefix, "/porthole");
}

TEST(ParseEtcdStoreUrl, Etcds_TakesTheTlsFiles) {
  auto options = ParseEtcdStoreUrl(
      "etcds://10.0.0.1/p?cert=/etc/c.pem&key=/etc/k%2Bx.pem&ca=/etc/ca.pem");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->tls);
  EXPECT_EQ(options->tls_files.cert_file, "/etc/c.pem");
  EXPECT_EQ(options->tls_files.key_file, "/etc/k+x.pem");
  EXPECT_EQ(options->tls_files.ca_file, "/etc/ca.pem");
}

TEST(ParseEtcdStoreUrl, Refusals_SayWhat) {
  struct Case {
    const char* url;
    const char* why;
  } cases[] = {
      {"etcd:///p", "no etcd endpoint"},
      {"etcd://h1:99999/p", "bad endpoint"},
      {"etcd://h1,,h2/p", "bad endpoint"},
      {"etcd://h1/p?ca=/x", "need etcds://"},
      {"etcds://h1/p?cert=/x", "cert and key go together"},
      {"etcds://h1/p?verify=no", "unknown parameter 'verify'"},
      {"etcd://h1/a//b", "empty segment"},
      {"http://h1/p", "not an etcd"},
  };
  for (const Case& c : cases) {
    auto options = ParseEtcdStoreUrl(c.url);
    ASSERT_FALSE(options.ok()) << c.url;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(options.status().message()), HasSubstr(c.why))
        << c.url;
  }
}

TEST(EtcdChannelTarget, AddressesOneNameAndMixedFamilies) {
  EXPECT_EQ(*EtcdChannelTarget({{"127.0.0.1", 1}, {"127.0.0.2", 2}}),
            "ipv4:127.0.0.1:1,127.0.0.2:2");
  EXPECT_EQ(*EtcdChannelTarget({{"::1", 1}}), "ipv6:[::1]:1");
  EXPECT_EQ(*EtcdChannelTarget({{"etcd.example", 2379}}),
            "dns:///etcd.example:2379");
  EXPECT_EQ(*EtcdChannelTarget({{"127.0.0.1", 1}, {"::1", 2}}),
            "ipv6:[::ffff:127.0.0.1]:1,[::1]:2");
  EXPECT_EQ(
      EtcdChannelTarget({{"localhost", 1}, {"127.0.0.2", 2}})->substr(0, 3),
      "ipv");
  EXPECT_FALSE(
      EtcdChannelTarget({{"no-such-host.invalid", 1}, {"::1", 2}}).ok());
}

}  // namespace
}  // namespace porthole::controller
