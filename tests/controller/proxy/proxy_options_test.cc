#include "controller/proxy/proxy_options.h"

#include <gtest/gtest.h>

namespace porthole::controller {
namespace {

TEST(ProxyOptions, DefaultsAreNovas) {
  ProxyOptions o;
  OptionTable table;
  AddProxyOptions(&table, &o);
  ASSERT_TRUE(table.ApplyDefaults().ok());
  EXPECT_EQ(o.novnc.listen.ToString(), "0.0.0.0:6080");
  EXPECT_EQ(o.spice.listen.ToString(), "0.0.0.0:6082");
  EXPECT_EQ(o.serial.listen.ToString(), "0.0.0.0:6083");
  EXPECT_EQ(o.novnc.web_root, "/usr/share/novnc");
  EXPECT_EQ(o.spice.web_root, "/usr/share/spice-html5");
  EXPECT_TRUE(o.serial.web_root.empty());
  EXPECT_TRUE(o.novnc.enabled && o.spice.enabled && o.serial.enabled);
  EXPECT_FALSE(o.enforce_session_timeout);
  EXPECT_EQ(o.keepalive_interval, absl::Seconds(20));
}

TEST(ProxyOptions, IniKeysAreNovasNames) {
  ProxyOptions o;
  OptionTable table;
  AddProxyOptions(&table, &o);
  ASSERT_TRUE(table.ApplyDefaults().ok());
  absl::StatusOr<IniFile> ini = IniFile::Parse(
      "ssl_only = true\ncert = /c.pem\n"
      "[vnc]\nnovncproxy_host = 127.0.0.1\nnovncproxy_port = 16080\n"
      "novnc_web = /srv/novnc\n"
      "[spice]\nhtml5proxy_enabled = false\n"
      "[serial_console]\nserialproxy_port = 16083\n"
      "[console]\nallowed_origins = A.example, b.example,\n"
      "trusted_proxies = 10.0.0.0/8\nkeepalive_interval = 5\n"
      "[consoleauth]\nenforce_session_timeout = true\n");
  ASSERT_TRUE(ini.ok()) << ini.status();
  ASSERT_TRUE(table.ApplyIni(*ini).ok()) << table.ApplyIni(*ini);
  EXPECT_EQ(o.novnc.listen.ToString(), "127.0.0.1:16080");
  EXPECT_EQ(o.novnc.web_root, "/srv/novnc");
  EXPECT_FALSE(o.spice.enabled);
  EXPECT_EQ(o.serial.listen.port, 16083);
  EXPECT_EQ(o.allowed_origins,
            (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(o.trusted_proxies, (std::vector<std::string>{"10.0.0.0/8"}));
  EXPECT_EQ(o.keepalive_interval, absl::Seconds(5));
  EXPECT_TRUE(o.enforce_session_timeout);
  EXPECT_TRUE(o.ssl_only);
  EXPECT_EQ(o.cert, "/c.pem");
}

TEST(ProxyOptions, BadPort_IsAnError) {
  ProxyOptions o;
  OptionTable table;
  AddProxyOptions(&table, &o);
  absl::StatusOr<IniFile> ini =
      IniFile::Parse("[vnc]\nnovncproxy_port = 70000\n");
  ASSERT_TRUE(ini.ok());
  EXPECT_FALSE(table.ApplyIni(*ini).ok());
}

// Applies `ini` over the defaults.
absl::StatusOr<ProxyOptions> Load(const std::string& ini_text) {
  ProxyOptions o;
  OptionTable table;
  AddProxyOptions(&table, &o);
  if (absl::Status s = table.ApplyDefaults(); !s.ok()) return s;
  absl::StatusOr<IniFile> ini = IniFile::Parse(ini_text);
  if (!ini.ok()) return ini.status();
  if (absl::Status s = table.ApplyIni(*ini); !s.ok()) return s;
  return o;
}

TEST(ProxyOptions, SessionLifetimeAndSharing_DefaultsThenSet) {
  absl::StatusOr<ProxyOptions> o = Load("");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->single_use);  // Nova: a URL admits sessions until expiry
  EXPECT_EQ(o->max_session_duration, absl::ZeroDuration());
  EXPECT_EQ(o->idle_timeout, absl::ZeroDuration());
  EXPECT_EQ(o->viewer_sharing, ViewerSharing::kShared);
  o = Load(
      "[consoleauth]\nsingle_use = true\n"
      "[console]\nmax_session_duration = 3600\nidle_timeout = 1.5\n"
      "[vnc]\nviewer_sharing = Allow-Exclusive\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->single_use);
  EXPECT_EQ(o->max_session_duration, absl::Hours(1));
  EXPECT_EQ(o->idle_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(o->viewer_sharing, ViewerSharing::kAllowExclusive);
  absl::StatusOr<ProxyOptions> bad = Load("[vnc]\nviewer_sharing = kick\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("shared, exclusive or allow-exclusive"),
            std::string::npos)
      << bad.status();
}

TEST(ProxyOptions, VncSecurity_DefaultIsNoneOnlyLikeNova) {
  absl::StatusOr<ProxyOptions> o = Load("");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->vnc.auth_schemes,
            std::vector<VncAuthScheme>{VncAuthScheme::kNone});
  EXPECT_FALSE(o->vnc.vencrypt());
  EXPECT_FALSE(o->vnc.verify_hostname);
  EXPECT_TRUE(ValidateProxyOptions(*o).ok());
}

TEST(ProxyOptions, VncSecurity_NovasKeys) {
  absl::StatusOr<ProxyOptions> o = Load(
      "[vnc]\nauth_schemes = VeNCrypt, none\n"
      "vencrypt_client_key = /k.pem\nvencrypt_client_cert = /c.pem\n"
      "vencrypt_ca_certs = /ca.pem\nvencrypt_verify_hostname = true\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->vnc.auth_schemes,
            (std::vector<VncAuthScheme>{VncAuthScheme::kVeNCrypt,
                                        VncAuthScheme::kNone}));
  EXPECT_TRUE(o->vnc.vencrypt());
  EXPECT_TRUE(o->vnc.Allows(VncAuthScheme::kNone));
  EXPECT_EQ(o->vnc.client_key, "/k.pem");
  EXPECT_EQ(o->vnc.client_cert, "/c.pem");
  EXPECT_EQ(o->vnc.ca_certs, "/ca.pem");
  EXPECT_TRUE(o->vnc.verify_hostname);
  EXPECT_TRUE(ValidateProxyOptions(*o).ok());
}

TEST(ProxyOptions, VncSecurity_UnknownOrEmptySchemeIsAnError) {
  absl::StatusOr<ProxyOptions> unknown = Load("[vnc]\nauth_schemes = vnc\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'vnc'"), std::string::npos)
      << unknown.status();
  EXPECT_FALSE(Load("[vnc]\nauth_schemes = ,\n").ok());
}

TEST(ProxyOptions, VncSecurity_BadCombinationsAreRefused) {
  struct Case {
    const char* ini;
    const char* names;  // in the message
  };
  const Case cases[] = {
      {"[vnc]\nauth_schemes = vencrypt\n", "vencrypt_ca_certs"},
      {"[vnc]\nauth_schemes = vencrypt\nvencrypt_ca_certs = /ca\n"
       "vencrypt_client_cert = /c\n",
       "vencrypt_client_key"},
      {"[vnc]\nauth_schemes = vencrypt\nvencrypt_ca_certs = /ca\n"
       "vencrypt_client_key = /k\n",
       "vencrypt_client_cert"},
      {"[vnc]\nvencrypt_verify_hostname = true\n", "auth_schemes"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ProxyOptions> o = Load(c.ini);
    ASSERT_TRUE(o.ok()) << o.status();
    absl::Status s = ValidateProxyOptions(*o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.ini;
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s;
  }
  // VeNCrypt with a CA and no client certificate is fine (QEMU with
  // verify-peer=off).
  absl::StatusOr<ProxyOptions> o =
      Load("[vnc]\nauth_schemes = vencrypt\nvencrypt_ca_certs = /ca\n");
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(ValidateProxyOptions(*o).ok());
}

TEST(ProxyOptions, SpiceSecurity_DefaultIsPlainLikeNova) {
  absl::StatusOr<ProxyOptions> o = Load("");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->spice_security.require_secure);
  EXPECT_FALSE(o->spice_security.tls());
  EXPECT_FALSE(o->spice_security.verify_hostname);
}

TEST(ProxyOptions, SpiceSecurity_Keys) {
  absl::StatusOr<ProxyOptions> o = Load(
      "[spice]\nrequire_secure = true\ntls_ca_certs = /ca.pem\n"
      "tls_client_cert = /c.pem\ntls_client_key = /k.pem\n"
      "tls_verify_hostname = true\n");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->spice_security.require_secure);
  EXPECT_EQ(o->spice_security.ca_certs, "/ca.pem");
  EXPECT_EQ(o->spice_security.client_cert, "/c.pem");
  EXPECT_EQ(o->spice_security.client_key, "/k.pem");
  EXPECT_TRUE(o->spice_security.verify_hostname);
  EXPECT_TRUE(ValidateProxyOptions(*o).ok());
}

TEST(ProxyOptions, SpiceSecurity_BadCombinationsAreRefused) {
  struct Case {
    const char* ini;
    const char* names;  // in the message
  };
  const Case cases[] = {
      {"[spice]\nrequire_secure = true\n", "tls_ca_certs"},
      {"[spice]\ntls_ca_certs = /ca\ntls_client_cert = /c\n", "tls_client_key"},
      {"[spice]\ntls_ca_certs = /ca\ntls_client_key = /k\n", "tls_client_cert"},
      {"[spice]\ntls_verify_hostname = true\n", "tls_ca_certs"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<ProxyOptions> o = Load(c.ini);
    ASSERT_TRUE(o.ok()) << o.status();
    absl::Status s = ValidateProxyOptions(*o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.ini;
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace porthole::controller
