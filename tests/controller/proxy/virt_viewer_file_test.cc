// The `.vv` file of a spice-direct URL (virt_viewer_file.h).
#include "controller/proxy/virt_viewer_file.h"

#include <gtest/gtest.h>

namespace porthole::controller {
namespace {

TEST(VirtViewerFileTest, PointsRemoteViewerAtTheListenerOverTls) {
  VirtViewerConsole c;
  c.listener = {"console.example.com", 6081};
  c.password = "0b5c6f7e-3c1a-4b8e-9d2f-5a6b7c8d9e0f";
  c.ca_pem =
      "-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----\n";
  c.title = "Porthole console vm";
  EXPECT_EQ(RenderVirtViewerFile(c),
            "[virt-viewer]\n"
            "type=spice\n"
            "host=console.example.com\n"
            "tls-port=6081\n"
            "password=0b5c6f7e-3c1a-4b8e-9d2f-5a6b7c8d9e0f\n"
            "secure-channels=all\n"
            "delete-this-file=1\n"
            "ca=-----BEGIN CERTIFICATE-----\\nMIIB\\nAAAA\\n-----END "
            "CERTIFICATE-----\n"
            "title=Porthole console vm\n");
}

TEST(VirtViewerFileTest, NoCaLineWithoutACaAndNoLineBreaksInValues) {
  VirtViewerConsole c;
  c.listener = {"::1", 443};
  c.password = "pw\ninjected=1";
  const std::string file = RenderVirtViewerFile(c);
  EXPECT_EQ(file.find("ca="), std::string::npos);
  EXPECT_NE(file.find("host=::1\ntls-port=443\n"), std::string::npos) << file;
  EXPECT_NE(file.find("password=pwinjected=1\n"), std::string::npos) << file;
}

TEST(VirtViewerFileTest, ListenerFromHostHeader) {
  EXPECT_EQ(ListenerFromHostHeader("console.example.com:6081")->ToString(),
            "console.example.com:6081");
  EXPECT_EQ(ListenerFromHostHeader("console.example.com")->port, 443);
  EXPECT_EQ(ListenerFromHostHeader("[2001:db8::1]:6081")->host, "2001:db8::1");
  EXPECT_EQ(ListenerFromHostHeader("127.0.0.1:9")->ToString(), "127.0.0.1:9");
  EXPECT_FALSE(ListenerFromHostHeader(""));
  EXPECT_FALSE(ListenerFromHostHeader("a b:1"));
  EXPECT_FALSE(ListenerFromHostHeader("host:99999"));
  EXPECT_FALSE(ListenerFromHostHeader("evil\nhost"));
  EXPECT_FALSE(ListenerFromHostHeader("host:0"));
}

}  // namespace
}  // namespace porthole::controller
