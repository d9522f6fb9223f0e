#include "agent/domain/console_log_source.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/support/domain_fixtures.h"

namespace porthole::agent {
namespace {

std::string DomainWithDevices(const std::string& devices) {
  return "<domain type='kvm'><name>instance-0000002a</name>"
         "<uuid>6b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e</uuid><devices>" +
         devices + "</devices></domain>";
}

absl::StatusOr<std::optional<std::string>> PathOf(const std::string& xml) {
  return ReadConsoleLogPath(xml, DomainXmlOptions());
}

// What Nova writes with [serial_console] enabled (libvirt mirrors serial 0
// as the <console>).
constexpr char kNovaTcpSerial[] = R"xml(
  <serial type='tcp'>
    <source mode='bind' host='127.0.0.1' service='10000'/>
    <log file='/var/lib/nova/instances/6b1e2c3d/console.log' append='off'/>
    <protocol type='raw'/><target port='0'/>
  </serial>
  <console type='tcp'>
    <source mode='bind' host='127.0.0.1' service='10000'/>
    <log file='/var/lib/nova/instances/6b1e2c3d/console.log' append='off'/>
    <protocol type='raw'/><target type='serial' port='0'/>
  </console>)xml";

TEST(ConsoleLogSourceTest, TcpSerialWithLog_IsItsLogFile) {
  absl::StatusOr<std::optional<std::string>> path =
      PathOf(DomainWithDevices(kNovaTcpSerial));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, "/var/lib/nova/instances/6b1e2c3d/console.log");
}

TEST(ConsoleLogSourceTest, FileBackedSerial_IsTheFileItself) {
  absl::StatusOr<std::optional<std::string>> path =
      PathOf(DomainWithDevices("<serial type='file'><source "
                               "path='/var/log/guest/ttyS0.log'/></serial>"));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, "/var/log/guest/ttyS0.log");
}

TEST(ConsoleLogSourceTest, FileComesBeforeTcpLogAsInNova) {
  absl::StatusOr<std::optional<std::string>> path = PathOf(DomainWithDevices(
      std::string(kNovaTcpSerial) +
      "<console type='file'><source path='/srv/file.log'/></console>"));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, "/srv/file.log");
}

TEST(ConsoleLogSourceTest, PtyWithLog_IsItsLog_BarePtyIsNone) {
  absl::StatusOr<std::optional<std::string>> logged = PathOf(
      DomainWithDevices("<serial type='pty'><source path='/dev/pts/3'/>"
                        "<log file='/var/log/libvirt/qemu/x-serial0.log'/>"
                        "</serial>"));
  ASSERT_TRUE(logged.ok()) << logged.status();
  EXPECT_EQ(*logged, "/var/log/libvirt/qemu/x-serial0.log");
  absl::StatusOr<std::optional<std::string>> bare = PathOf(DomainWithDevices(
      "<serial type='pty'><source path='/dev/pts/3'/></serial>"
      "<console type='pty'><source path='/dev/pts/3'/></console>"));
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(*bare, std::nullopt);
}

TEST(ConsoleLogSourceTest, WorkedExample_HasNoConsoleLog) {
  for (const char* xml :
       {testing::kWorkedExampleVnc, testing::kWorkedExampleSpice,
        testing::kWorkedExampleOff}) {
    absl::StatusOr<std::optional<std::string>> path = PathOf(xml);
    ASSERT_TRUE(path.ok()) << path.status();
    EXPECT_EQ(*path, std::nullopt);
  }
}

TEST(ConsoleLogSourceTest, TcpWithoutLogOrEmptyPath_IsNone) {
  absl::StatusOr<std::optional<std::string>> path = PathOf(DomainWithDevices(
      "<serial type='tcp'><source mode='bind' service='1'/><log file=''/>"
      "</serial><serial type='file'><source path=''/></serial>"));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, std::nullopt);
}

TEST(ConsoleLogSourceTest, PathThatIsNotNormalAndAbsolute_IsRefused) {
  for (const char* bad :
       {"console.log", "../etc/shadow", "/var/lib/nova/../../etc/shadow",
        "/var/./log", "/var//log", "/var/log/", "/", "/var/lib/nova/.."}) {
    absl::StatusOr<std::optional<std::string>> path =
        PathOf(DomainWithDevices(std::string("<serial type='file'><source "
                                             "path='") +
                                 bad + "'/></serial>"));
    EXPECT_EQ(path.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ConsoleLogSourceTest, HostileDocuments_AreRefusedAsByTheParser) {
  for (const std::string& bad : std::vector<std::string>{
           "", "<domain", std::string("<domain>\0</domain>", 18),
           "<!DOCTYPE d [<!ENTITY e 'x'>]><domain/>", "<domain/><domain/>",
           "<notdomain/>", "\xff\xfe<domain/>"}) {
    EXPECT_EQ(PathOf(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  std::string nested = "<domain>";
  for (int i = 0; i < 100; ++i) nested += "<a>";
  for (int i = 0; i < 100; ++i) nested += "</a>";
  nested += "</domain>";
  EXPECT_EQ(PathOf(nested).status().code(), absl::StatusCode::kInvalidArgument);
  DomainXmlOptions small;
  small.max_bytes = 16;
  EXPECT_EQ(ReadConsoleLogPath(DomainWithDevices(kNovaTcpSerial), small)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace porthole::agent
