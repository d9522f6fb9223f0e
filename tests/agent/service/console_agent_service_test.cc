#include "agent/service/console_agent_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "agent/domain/inventory.h"
#include "agent/libvirt/libvirt_host.h"
#include "agent/service/server_poller.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "porthole/agent/v1/contract.h"
#include "tests/support/child_process.h"
#include "tests/support/domain_fixtures.h"

namespace porthole::agent {
namespace {

constexpr char kVncUuid[] = "11111111-1111-4111-8111-111111111111";
constexpr char kSpiceUuid[] = "22222222-2222-4222-8222-222222222222";
constexpr char kOffUuid[] = "33333333-3333-4333-8333-333333333333";

// The real service on a real gRPC server (127.0.0.1, ephemeral port), backed
// by libvirt's in-process test driver reading the worked example's node file
// (tests/support/domain_fixtures.h).
class ConsoleAgentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LibvirtHostOptions options;
    options.uri = "test://" + NodeFile();
    options.xml.proxyclient_address = "192.0.2.10";
    // The stream tests read exact sequences of changes.
    options.heartbeat_interval = absl::ZeroDuration();
    host_ = std::make_unique<LibvirtHost>(options, &inventory_);
    ASSERT_TRUE(host_->Start().ok());
    service_ = std::make_unique<ConsoleAgentService>(&inventory_, host_.get(),
                                                     /*max_queued_changes=*/8);
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    poller_ = std::make_unique<ServerPoller>(builder);  // as main() does
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    poller_->Start();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::ConsoleAgent::NewStub(channel_);
  }

  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now());
    poller_->Stop();
    host_->Stop();
  }

  virtual std::string NodeFile() {
    return testing::WriteWorkedExampleNode(dir_.path());
  }

  grpc::Status TailConsoleLog(const std::string& uuid,
                              std::optional<int64_t> max_lines,
                              v1::TailConsoleLogResponse* response,
                              uint64_t max_bytes = 0) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    v1::TailConsoleLogRequest request;
    request.set_uuid(uuid);
    if (max_lines.has_value()) request.set_max_lines(*max_lines);
    request.set_max_bytes(max_bytes);
    return stub_->TailConsoleLog(&context, request, response);
  }

  grpc::Status GetConsole(const std::string& uuid, v1::Protocol protocol,
                          v1::GetConsoleResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    v1::GetConsoleRequest request;
    request.set_uuid(uuid);
    request.set_protocol(protocol);
    return stub_->GetConsole(&context, request, response);
  }

  testing::TempDir dir_;
  Inventory inventory_;
  std::unique_ptr<LibvirtHost> host_;
  std::unique_ptr<ConsoleAgentService> service_;
  std::unique_ptr<ServerPoller> poller_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ConsoleAgent::Stub> stub_;
};

TEST_F(ConsoleAgentServiceTest, ListDomains_ReturnsEveryDomainWithOwners) {
  grpc::ClientContext context;
  v1::ListDomainsResponse response;
  ASSERT_TRUE(stub_->ListDomains(&context, {}, &response).ok());
  EXPECT_TRUE(response.libvirt_connected());
  ASSERT_EQ(response.domains_size(), 3);
  const v1::Domain& vnc = response.domains(0);
  EXPECT_EQ(vnc.uuid(), kVncUuid);
  EXPECT_EQ(vnc.name(), "instance-00000001");
  EXPECT_EQ(vnc.display_name(), "vm-vnc");
  EXPECT_EQ(vnc.project_id(), "bbbbbbbb-0000-4000-8000-000000000001");
  EXPECT_EQ(vnc.user_id(), "aaaaaaaa-0000-4000-8000-000000000001");
  EXPECT_EQ(vnc.state(), v1::DOMAIN_STATE_RUNNING);
  EXPECT_EQ(response.domains(2).state(), v1::DOMAIN_STATE_SHUTOFF);
}

TEST_F(ConsoleAgentServiceTest, GetConsole_Vnc_ReturnsLiveEndpoint) {
  v1::GetConsoleResponse response;
  ASSERT_TRUE(GetConsole(kVncUuid, v1::PROTOCOL_VNC, &response).ok());
  ASSERT_TRUE(response.has_console());
  EXPECT_EQ(response.console().protocol(), v1::PROTOCOL_VNC);
  EXPECT_EQ(response.console().host(), "127.0.0.1");
  EXPECT_EQ(response.console().port(), 5901u);
  EXPECT_EQ(response.domain().uuid(), kVncUuid);
}

TEST_F(ConsoleAgentServiceTest,
       GetConsole_SpiceOnWildcard_UsesProxyclientAddress) {
  v1::GetConsoleResponse response;
  ASSERT_TRUE(GetConsole(kSpiceUuid, v1::PROTOCOL_SPICE, &response).ok());
  ASSERT_TRUE(response.has_console());
  EXPECT_EQ(response.console().host(), "192.0.2.10");
  EXPECT_EQ(response.console().port(), 5902u);
  EXPECT_EQ(response.console().tls_port(), 5903u);
}

TEST_F(ConsoleAgentServiceTest, GetConsole_Serial_ReturnsBindPort) {
  v1::GetConsoleResponse response;
  ASSERT_TRUE(GetConsole(kVncUuid, v1::PROTOCOL_SERIAL, &response).ok());
  EXPECT_EQ(response.console().port(), 10000u);
}

TEST_F(ConsoleAgentServiceTest, GetConsole_MissingProtocol_IsOkWithoutConsole) {
  v1::GetConsoleResponse response;
  ASSERT_TRUE(GetConsole(kVncUuid, v1::PROTOCOL_SPICE, &response).ok());
  EXPECT_FALSE(response.has_console());
  EXPECT_EQ(response.domain().uuid(), kVncUuid);
}

TEST_F(ConsoleAgentServiceTest, GetConsole_ShutOff_IsFailedPrecondition) {
  v1::GetConsoleResponse response;
  grpc::Status s = GetConsole(kOffUuid, v1::PROTOCOL_VNC, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("not running"), std::string::npos);
}

TEST_F(ConsoleAgentServiceTest,
       GetConsole_UnknownUuid_IsNotFound_BadInputIsInvalid) {
  v1::GetConsoleResponse response;
  EXPECT_EQ(GetConsole("44444444-4444-4444-8444-444444444444", v1::PROTOCOL_VNC,
                       &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GetConsole("not-a-uuid", v1::PROTOCOL_VNC, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      GetConsole(kVncUuid, v1::PROTOCOL_UNSPECIFIED, &response).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ConsoleAgentServiceTest, WatchDomains_SnapshotThenChanges) {
  grpc::ClientContext context;
  auto reader = stub_->WatchDomains(&context, {});
  v1::WatchDomainsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change(), v1::CHANGE_TYPE_SNAPSHOT);
  EXPECT_EQ(message.domains_size(), 3);

  v1::Domain stopped = *inventory_.Find(kVncUuid);
  stopped.set_state(v1::DOMAIN_STATE_SHUTOFF);
  inventory_.Upsert(stopped);
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change(), v1::CHANGE_TYPE_STOPPED);
  ASSERT_EQ(message.domains_size(), 1);
  EXPECT_EQ(message.domains(0).uuid(), kVncUuid);

  inventory_.Remove(kOffUuid);
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change(), v1::CHANGE_TYPE_UNDEFINED);
  context.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ConsoleAgentServiceTest, WatchDomains_SlowWatcher_IsEndedNotBuffered) {
  grpc::ClientContext context;
  auto reader = stub_->WatchDomains(&context, {});
  v1::WatchDomainsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  // Far more changes than the queue bound (8) while the client reads none.
  // Big messages fill the HTTP/2 window, so the server's queue must grow.
  v1::Domain d = *inventory_.Find(kVncUuid);
  d.set_display_name(std::string(200000, 'x'));
  for (int i = 0; i < 200; ++i) {
    d.mutable_consoles(0)->set_port(6000 + static_cast<uint32_t>(i));
    inventory_.Upsert(d);
  }
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(ConsoleAgentServiceTest, Health_ServingForTheService) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// The same service on a node whose domains log their serial consoles into
// files this test writes (tests/support/domain_fixtures.h).
class ConsoleAgentServiceLogTest : public ConsoleAgentServiceTest {
 protected:
  std::string NodeFile() override {
    return testing::WriteSerialLogNode(dir_.path(), dir_.path());
  }
  std::string LogPath() const { return dir_.path() + "/console.log"; }
};

TEST_F(ConsoleAgentServiceLogTest, TailConsoleLog_ReadsTheLogTheXmlNames) {
  testing::WriteFile(LogPath(), "SeaBIOS\nBooting\nlogin: \n");
  v1::TailConsoleLogResponse response;
  ASSERT_TRUE(
      TailConsoleLog(testing::kSerialLogUuid, std::nullopt, &response).ok());
  EXPECT_TRUE(response.console_available());
  EXPECT_EQ(response.output(), "SeaBIOS\nBooting\nlogin: \n");
  ASSERT_TRUE(TailConsoleLog(testing::kSerialLogUuid, 3, &response).ok());
  EXPECT_EQ(response.output(), "Booting\nlogin: \n");
  ASSERT_TRUE(TailConsoleLog(testing::kSerialLogUuid, 0, &response).ok());
  EXPECT_EQ(response.output(), "");
}

TEST_F(ConsoleAgentServiceLogTest, TailConsoleLog_CapsTheBytesRead) {
  testing::WriteFile(LogPath(), std::string(300 * 1024, 'x') + "\nend\n");
  v1::TailConsoleLogResponse response;
  ASSERT_TRUE(
      TailConsoleLog(testing::kSerialLogUuid, std::nullopt, &response).ok());
  EXPECT_EQ(response.output().size(), v1::kMaxConsoleLogBytes);
  EXPECT_EQ(response.truncated_bytes(),
            300 * 1024 + 5 - v1::kMaxConsoleLogBytes);
  // A smaller cap from the client is honoured, a larger one is not.
  ASSERT_TRUE(
      TailConsoleLog(testing::kSerialLogUuid, std::nullopt, &response, 5).ok());
  EXPECT_EQ(response.output(), "\nend\n");
  ASSERT_TRUE(
      TailConsoleLog(testing::kSerialLogUuid, std::nullopt, &response, 1 << 30)
          .ok());
  EXPECT_EQ(response.output().size(), v1::kMaxConsoleLogBytes);
}

TEST_F(ConsoleAgentServiceLogTest, TailConsoleLog_MissingFile_IsEmpty) {
  v1::TailConsoleLogResponse response;
  ASSERT_TRUE(
      TailConsoleLog(testing::kSerialLogUuid, std::nullopt, &response).ok());
  EXPECT_TRUE(response.console_available());
  EXPECT_EQ(response.output(), "");
}

TEST_F(ConsoleAgentServiceLogTest, TailConsoleLog_ShutOffFileSerial_IsRead) {
  testing::WriteFile(dir_.path() + "/ttyS0.log", "reboot: Power down\n");
  v1::TailConsoleLogResponse response;
  ASSERT_TRUE(
      TailConsoleLog(testing::kSerialFileOffUuid, std::nullopt, &response)
          .ok());
  EXPECT_EQ(response.output(), "reboot: Power down\n");
}

TEST_F(ConsoleAgentServiceLogTest, TailConsoleLog_NoLog_IsNotAvailable) {
  v1::TailConsoleLogResponse response;
  ASSERT_TRUE(TailConsoleLog(kVncUuid, std::nullopt, &response).ok());
  EXPECT_FALSE(response.console_available());
  EXPECT_EQ(response.output(), "");
}

TEST_F(ConsoleAgentServiceLogTest, TailConsoleLog_UnknownOrSymlink) {
  v1::TailConsoleLogResponse response;
  EXPECT_EQ(TailConsoleLog("44444444-4444-4444-8444-444444444444", std::nullopt,
                           &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  testing::WriteFile(dir_.path() + "/secret", "key\n");
  ASSERT_EQ(symlink((dir_.path() + "/secret").c_str(), LogPath().c_str()), 0);
  EXPECT_EQ(TailConsoleLog(testing::kSerialLogUuid, std::nullopt, &response)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace porthole::agent
