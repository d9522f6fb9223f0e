#include "controller/consoles/console_types.h"

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

std::string ErrorOf(std::string_view protocol, std::string_view type,
                    const ConsoleOptions& options = {}) {
  absl::StatusOr<ConsoleKind> kind = ResolveConsole(protocol, type, options);
  if (kind.ok()) return "ok";
  EXPECT_TRUE(absl::IsInvalidArgument(kind.status()));
  return std::string(kind.status().message());
}

TEST(ResolveConsoleTest, SupportedPairs_MapToAgentProtocols) {
  ConsoleOptions options;
  EXPECT_EQ(ResolveConsole("vnc", "novnc", options)->protocol,
            agent::v1::PROTOCOL_VNC);
  EXPECT_EQ(ResolveConsole("spice", "spice-html5", options)->protocol,
            agent::v1::PROTOCOL_SPICE);
  EXPECT_EQ(ResolveConsole("spice", "spice-direct", options)->type,
            "spice-direct");
  EXPECT_EQ(ResolveConsole("serial", "serial", options)->protocol,
            agent::v1::PROTOCOL_SERIAL);
}

TEST(ResolveConsoleTest, TypeOfAnotherProtocol_IsInvalidWithoutPeriod) {
  EXPECT_EQ(ErrorOf("vnc", "spice-html5"), "Invalid console type spice-html5");
  EXPECT_EQ(ErrorOf("vnc", "xvpvnc"), "Invalid console type xvpvnc");
  EXPECT_EQ(ErrorOf("spice", "novnc"), "Invalid console type novnc");
  EXPECT_EQ(ErrorOf("serial", "novnc"), "Invalid console type novnc");
}

TEST(ResolveConsoleTest, Xvpvnc_WithTheNativeListener_IsAVncConsole) {
  ConsoleOptions options;
  options.xvpvnc_enabled = true;
  absl::StatusOr<ConsoleKind> kind = ResolveConsole("vnc", "xvpvnc", options);
  ASSERT_TRUE(kind.ok()) << kind.status();
  EXPECT_EQ(kind->protocol, agent::v1::PROTOCOL_VNC);
  EXPECT_EQ(kind->type, "xvpvnc");
  EXPECT_EQ(AccessUrlBase("xvpvnc", options), kDefaultXvpVncProxyBaseUrl);
  options.vnc_enabled = false;
  EXPECT_EQ(ErrorOf("vnc", "xvpvnc", options),
            "Unavailable console type xvpvnc.");
}

TEST(ResolveConsoleTest, DisabledProtocol_IsUnavailableWithTheType) {
  ConsoleOptions options;
  options.vnc_enabled = options.spice_enabled = options.serial_enabled = false;
  EXPECT_EQ(ErrorOf("vnc", "novnc", options),
            "Unavailable console type novnc.");
  EXPECT_EQ(ErrorOf("vnc", "xvpvnc", options),
            "Unavailable console type xvpvnc.");
  EXPECT_EQ(ErrorOf("spice", "spice-direct", options),
            "Unavailable console type spice-direct.");
  EXPECT_EQ(ErrorOf("serial", "serial", options),
            "Unavailable console type serial.");
}

TEST(ResolveConsoleTest, RemovedAndForeignProtocols_AreUnavailable) {
  EXPECT_EQ(ErrorOf("rdp", "rdp-html5"), "Unavailable console type rdp-html5.");
  EXPECT_EQ(ErrorOf("rdp", "novnc"), "Unavailable console type rdp-html5.");
  EXPECT_EQ(ErrorOf("mks", "webmks"), "Unavailable console type webmks.");
}

TEST(SchemaEnumsTest, GrowAtTheirMicroversions) {
  EXPECT_EQ(RemoteConsoleProtocolEnum(6),
            (std::vector<std::string>{"vnc", "spice", "serial", "rdp"}));
  EXPECT_EQ(RemoteConsoleProtocolEnum(8).back(), "mks");
  EXPECT_EQ(RemoteConsoleTypeEnum(7).size(), 5u);
  EXPECT_EQ(RemoteConsoleTypeEnum(8).back(), "webmks");
  EXPECT_EQ(RemoteConsoleTypeEnum(98).back(), "webmks");
  EXPECT_EQ(RemoteConsoleTypeEnum(99).back(), "spice-direct");
}

TEST(LegacyConsoleActionTest, KnowsTheFourActions) {
  EXPECT_EQ(FindLegacyConsoleAction("os-getVNCConsole")->type_enum,
            (std::vector<std::string>{"novnc", "xvpvnc"}));
  EXPECT_EQ(FindLegacyConsoleAction("os-getSPICEConsole")->protocol, "spice");
  EXPECT_EQ(FindLegacyConsoleAction("os-getSerialConsole")->protocol, "serial");
  EXPECT_FALSE(FindLegacyConsoleAction("os-getRDPConsole")->has_schema);
  EXPECT_EQ(FindLegacyConsoleAction("os-getMKSConsole"), nullptr);
}

TEST(AccessUrlBaseTest, PicksTheConfiguredBase) {
  ConsoleOptions options;
  EXPECT_EQ(AccessUrlBase("novnc", options), kDefaultNoVncProxyBaseUrl);
  EXPECT_EQ(AccessUrlBase("spice-html5", options),
            kDefaultSpiceHtml5ProxyBaseUrl);
  EXPECT_EQ(AccessUrlBase("spice-direct", options),
            kDefaultSpiceDirectProxyBaseUrl);
  EXPECT_EQ(AccessUrlBase("serial", options), kDefaultSerialConsoleBaseUrl);
}

}  // namespace
}  // namespace porthole::controller
