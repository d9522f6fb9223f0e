#include "agent/service/server_poller.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace porthole::agent {
namespace {

std::chrono::system_clock::time_point InFiveSeconds() {
  return std::chrono::system_clock::now() + std::chrono::seconds(5);
}

// A server with gRPC's health service (callback methods) and the poller,
// started and stopped in main()'s order. The agent's own service on a server
// built this way is tested in console_agent_service_test.
class ServerPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    poller_ = std::make_unique<ServerPoller>(builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    poller_->Start();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
    if (poller_ != nullptr) poller_->Stop();
  }

  std::unique_ptr<ServerPoller> poller_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerPollerTest, CallbackService_Answers) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(InFiveSeconds());
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// gRPC also asks every frequently polled queue of the server for calls to
// unknown methods: with the poller's queue there, they still get UNIMPLEMENTED.
TEST_F(ServerPollerTest, UnknownMethod_IsUnimplemented) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(InFiveSeconds());
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);  // a default one is no message at all
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/porthole.agent.v1.ConsoleAgent/NoSuchMethod",
                 grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(status); });
  EXPECT_EQ(done.get_future().get().error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ServerPollerTest, StopTwice_AfterShutdown_Returns) {
  server_->Shutdown(std::chrono::system_clock::now());
  poller_->Stop();
  poller_->Stop();
  server_.reset();
}

TEST(ServerPollerLifecycleTest, NeverStarted_StopsWithoutAThread) {
  grpc::ServerBuilder builder;
  auto poller = std::make_unique<ServerPoller>(builder);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);  // no port: still a server
  server->Shutdown(std::chrono::system_clock::now());
  poller.reset();  // the destructor shuts the queue down and drains it
}

}  // namespace
}  // namespace porthole::agent
