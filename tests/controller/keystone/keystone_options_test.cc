#include "controller/keystone/keystone_options.h"

#include "common/ini_file.h"
#include "gtest/gtest.h"

namespace porthole::controller::keystone {
namespace {

absl::Status Apply(const std::string& ini, KeystoneOptions* options) {
  OptionTable table;
  AddKeystoneOptions(&table, options);
  if (absl::Status s = table.ApplyDefaults(); !s.ok()) return s;
  absl::StatusOr<IniFile> file = IniFile::Parse(ini);
  if (!file.ok()) return file.status();
  return table.ApplyIni(*file);
}

TEST(KeystoneOptionsTest, Defaults_AreKeystonemiddlewares) {
  KeystoneOptions k;
  ASSERT_TRUE(Apply("", &k).ok());
  EXPECT_EQ(k.auth_type, "password");
  EXPECT_EQ(k.token_cache_time, absl::Seconds(300));
  EXPECT_EQ(k.http_request_max_retries, 3);
  EXPECT_EQ(k.service_token_roles, std::vector<std::string>{"service"});
  EXPECT_EQ(k.interface, "internal");
  EXPECT_EQ(k.user_domain_name, "Default");
  EXPECT_FALSE(k.insecure);
  EXPECT_GT(k.http_connect_timeout, absl::ZeroDuration());
}

TEST(KeystoneOptionsTest, EveryOption_IsReadFromItsSection) {
  KeystoneOptions k;
  absl::Status s = Apply(
      "[keystone_authtoken]\n"
      "auth_url = https://ks.example.org:5000\n"
      "www_authenticate_uri = https://ks.example.org/v3\n"
      "username = porthole\npassword = s3cret\n"
      "user_domain_name = Services\nproject_name = service\n"
      "project_domain_name = Services\n"
      "cafile = /etc/ssl/ks-ca.pem\ncertfile = /c.pem\nkeyfile = /k.pem\n"
      "insecure = true\ntoken_cache_time = 1.5\nhttp_connect_timeout = 2\n"
      "http_request_max_retries = 0\nservice_token_roles = service, admin ,\n"
      "region_name = RegionTwo\ninterface = public\n"
      "token_cache_size = 50\nnegative_cache_time = 3\n",
      &k);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(k.auth_url, "https://ks.example.org:5000");
  EXPECT_EQ(k.www_authenticate_uri, "https://ks.example.org/v3");
  EXPECT_EQ(k.username, "porthole");
  EXPECT_EQ(k.password, "s3cret");
  EXPECT_EQ(k.user_domain_name, "Services");
  EXPECT_EQ(k.project_name, "service");
  EXPECT_EQ(k.project_domain_name, "Services");
  EXPECT_EQ(k.cafile, "/etc/ssl/ks-ca.pem");
  EXPECT_EQ(k.certfile, "/c.pem");
  EXPECT_EQ(k.keyfile, "/k.pem");
  EXPECT_TRUE(k.insecure);
  EXPECT_EQ(k.token_cache_time, absl::Milliseconds(1500));
  EXPECT_EQ(k.http_connect_timeout, absl::Seconds(2));
  EXPECT_EQ(k.http_request_max_retries, 0);
  EXPECT_EQ(k.service_token_roles,
            (std::vector<std::string>{"service", "admin"}));
  EXPECT_EQ(k.region_name, "RegionTwo");
  EXPECT_EQ(k.interface, "public");
  EXPECT_EQ(k.token_cache_size, 50u);
  EXPECT_EQ(k.negative_cache_time, absl::Seconds(3));
  EXPECT_TRUE(CheckKeystoneOptions(k).ok());
}

TEST(KeystoneOptionsTest, BadValues_AreRefusedNamingWhatWasExpected) {
  KeystoneOptions k;
  absl::Status s = Apply("[keystone_authtoken]\nauth_type = v3token\n", &k);
  EXPECT_NE(s.message().find("password"), absl::string_view::npos) << s;
  EXPECT_FALSE(Apply("[keystone_authtoken]\ninterface = private\n", &k).ok());
  EXPECT_FALSE(Apply("[keystone_authtoken]\nauth_url = ks:5000\n", &k).ok());
  EXPECT_FALSE(
      Apply("[keystone_authtoken]\ntoken_cache_time = soon\n", &k).ok());
  EXPECT_FALSE(Apply("[keystone_authtoken]\nmemcached_servers = x\n", &k).ok());
}

TEST(KeystoneOptionsTest, Check_NamesTheMissingOption) {
  KeystoneOptions k;
  k.auth_url = "http://127.0.0.1:5000/v3";
  k.username = "porthole";
  k.password = "pw";
  absl::Status s = CheckKeystoneOptions(k);
  EXPECT_TRUE(absl::IsInvalidArgument(s));
  EXPECT_NE(s.message().find("project_name"), absl::string_view::npos) << s;
  k.project_name = "service";
  EXPECT_TRUE(CheckKeystoneOptions(k).ok());
  k.certfile = "/c.pem";
  EXPECT_NE(CheckKeystoneOptions(k).message().find("keyfile"),
            absl::string_view::npos);
  k.certfile.clear();
  k.auth_url.clear();
  EXPECT_NE(CheckKeystoneOptions(k).message().find("auth_url"),
            absl::string_view::npos);
}

TEST(KeystoneOptionsTest, IdentityV3Url_AddsV3Once) {
  EXPECT_EQ(IdentityV3Url("https://ks:5000"), "https://ks:5000/v3");
  EXPECT_EQ(IdentityV3Url("https://ks:5000/"), "https://ks:5000/v3");
  EXPECT_EQ(IdentityV3Url("https://ks:5000/v3"), "https://ks:5000/v3");
  EXPECT_EQ(IdentityV3Url("https://ks/identity/v3/"), "https://ks/identity/v3");
}

}  // namespace
}  // namespace porthole::controller::keystone
