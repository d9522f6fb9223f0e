#include "controller/proxy/spice_transport.h"

#include <gtest/gtest.h>

#include <string>

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
constexpr auto kAny = v1::SPICE_CHANNEL_MODE_ANY;
constexpr auto kSecure = v1::SPICE_CHANNEL_MODE_SECURE;
constexpr auto kInsecure = v1::SPICE_CHANNEL_MODE_INSECURE;

ConsoleAuthRecord Record(uint32_t port, uint32_t tls_port) {
  ConsoleAuthRecord record;
  record.console_type = "spice-html5";
  record.host = "192.0.2.7";
  record.port = port;
  if (tls_port != 0) record.tls_port = tls_port;
  return record;
}

SpiceSecurityOptions Tls(bool require_secure = false) {
  SpiceSecurityOptions options;
  options.ca_certs = "/etc/pki/ca.pem";
  options.require_secure = require_secure;
  return options;
}

v1::Console Console(
    v1::SpiceChannelMode default_mode,
    std::vector<std::pair<std::string, v1::SpiceChannelMode>> channels = {}) {
  v1::Console console;
  console.set_protocol(v1::PROTOCOL_SPICE);
  console.set_spice_default_mode(default_mode);
  for (const auto& [name, mode] : channels) {
    v1::SpiceChannel* c = console.add_spice_channels();
    c->set_name(name);
    c->set_mode(mode);
  }
  return console;
}

void ExpectTransport(const absl::StatusOr<SpiceTransport>& got, bool tls,
                     uint32_t port) {
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->tls, tls);
  EXPECT_EQ(got->port, port);
}

void ExpectRefused(const absl::StatusOr<SpiceTransport>& got,
                   const std::string& named) {
  ASSERT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition)
      << (got.ok() ? "ok" : got.status().ToString());
  EXPECT_NE(got.status().message().find(named), std::string::npos)
      << got.status();
}

TEST(ChooseSpiceTransport, AnyChannelWithPlainPort_IsPlainLikeNova) {
  ExpectTransport(ChooseSpiceTransport(Record(5902, 5903), kAny, Tls()), false,
                  5902);
  ExpectTransport(ChooseSpiceTransport(Record(5902, 0), kAny, {}), false, 5902);
}

TEST(ChooseSpiceTransport, SecureChannel_IsTlsOnTheTlsPort) {
  ExpectTransport(ChooseSpiceTransport(Record(5902, 5903), kSecure, Tls()),
                  true, 5903);
}

TEST(ChooseSpiceTransport, TlsPortOnly_IsTls) {
  ExpectTransport(ChooseSpiceTransport(Record(0, 5903), kAny, Tls()), true,
                  5903);
}

TEST(ChooseSpiceTransport, InsecureChannel_IsPlainEvenWithTlsConfigured) {
  ExpectTransport(ChooseSpiceTransport(Record(5902, 5903), kInsecure, Tls()),
                  false, 5902);
}

TEST(ChooseSpiceTransport, RequireSecure_IsTlsWhereTheChannelAllowsIt) {
  ExpectTransport(ChooseSpiceTransport(Record(5902, 5903), kAny, Tls(true)),
                  true, 5903);
  ExpectRefused(ChooseSpiceTransport(Record(5902, 5903), kInsecure, Tls(true)),
                "require_secure");
  ExpectRefused(ChooseSpiceTransport(Record(5902, 0), kAny, Tls(true)),
                "require_secure");
}

TEST(ChooseSpiceTransport, TlsNeededButImpossible_IsRefusedWithTheReason) {
  ExpectRefused(ChooseSpiceTransport(Record(5902, 0), kSecure, Tls()),
                "no TLS port");
  ExpectRefused(ChooseSpiceTransport(Record(0, 5903), kAny, {}),
                "tls_ca_certs");
  ExpectRefused(ChooseSpiceTransport(Record(5902, 5903), kSecure, {}),
                "tls_ca_certs");
  ExpectRefused(ChooseSpiceTransport(Record(0, 5903), kInsecure, Tls()),
                "no plain port");
  ExpectRefused(ChooseSpiceTransport(Record(0, 0), kAny, Tls()), "no port");
}

TEST(ChooseSpiceConsoleTransport, DefaultModeSecure_IsTlsForTheWholeConsole) {
  auto got =
      ChooseSpiceConsoleTransport(Record(5902, 5903), Console(kSecure), Tls());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, (SpiceTransport{true, 5903}));
}

TEST(ChooseSpiceConsoleTransport, NothingSecure_IsPlainForTheWholeConsole) {
  auto got = ChooseSpiceConsoleTransport(
      Record(5902, 5903), Console(kAny, {{"inputs", kInsecure}}), Tls());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, (SpiceTransport{false, 5902}));
}

TEST(ChooseSpiceConsoleTransport, SecureMainBesidePlainChannels_IsPerChannel) {
  // The worked example of shared/spec/libvirt.md: main secure, inputs
  // insecure, the rest any.
  const v1::Console console =
      Console(kAny, {{"main", kSecure}, {"inputs", kInsecure}});
  auto got = ChooseSpiceConsoleTransport(Record(5902, 5903), console, Tls());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(SpiceChannelModeFor(console, 1), kSecure);    // main
  EXPECT_EQ(SpiceChannelModeFor(console, 3), kInsecure);  // inputs
  EXPECT_EQ(SpiceChannelModeFor(console, 2), kAny);       // display
}

TEST(ChooseSpiceConsoleTransport,
     SecureChannelsWithoutTlsConfigured_PerChannel) {
  // Plain channels still work; only the secure one is refused, when its
  // link message names it.
  auto got = ChooseSpiceConsoleTransport(
      Record(5902, 5903), Console(kAny, {{"main", kSecure}}), {});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_FALSE(got->has_value());
}

TEST(ChooseSpiceConsoleTransport, EveryChannelRefused_IsTheError) {
  auto got = ChooseSpiceConsoleTransport(Record(0, 5903), Console(kAny), {});
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SpiceLinkChannelType, ReadsTheChannelOfTheFirstMessage) {
  std::string link = std::string("REDQ") + std::string(12, '\0') +
                     std::string(4, '\0') + std::string("\x03\x00", 2);
  EXPECT_EQ(*SpiceLinkChannelType(link), std::optional<uint8_t>(3));
  EXPECT_EQ(*SpiceLinkChannelType(link.substr(0, 20)), std::nullopt);
  EXPECT_EQ(*SpiceLinkChannelType("RE"), std::nullopt);
  EXPECT_FALSE(SpiceLinkChannelType("GET / HTTP/1.1\r\n").ok());
  EXPECT_FALSE(SpiceLinkChannelType("RFB 003.008\n").ok());
}

}  // namespace
}  // namespace porthole::controller
