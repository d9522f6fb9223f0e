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

}  // namespace
}  // namespace porthole::controller
