// The bounded channel cache for agents a replica does not follow: the same
// stub for the same agent, the least recently used dropped past capacity, a
// stub handed out still answering after its drop (a real agent process).
#include "controller/fleet/agent_channel.h"

#include <gtest/gtest.h>

#include "tests/support/child_process.h"
#include "tests/support/domain_fixtures.h"

namespace porthole::controller {
namespace {

TEST(AgentChannelCache, SameAddress_SameStub) {
  AgentChannelCache cache(grpc::InsecureChannelCredentials(), {}, 4);
  auto a = cache.Get("127.0.0.1:1");
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a);
  EXPECT_NE(cache.Get("127.0.0.1:2"), a);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(AgentChannelCache, PastCapacity_TheLeastRecentlyUsedGoes) {
  AgentChannelCache cache(grpc::InsecureChannelCredentials(), {}, 2);
  auto a = cache.Get("127.0.0.1:1");
  auto b = cache.Get("127.0.0.1:2");
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a);  // a is now the most recent
  cache.Get("127.0.0.1:3");                // b goes
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a);
  EXPECT_NE(cache.Get("127.0.0.1:2"), b);  // a new channel
}

TEST(AgentChannelCache, DroppedStub_StillAnswers) {
  testing::TempDir dir;
  const int port = testing::PickFreePort();
  testing::ChildProcess agent(
      {testing::AgentBinary(), "--config", "/dev/null", "--libvirt-uri",
       "test://" + testing::WriteWorkedExampleNode(dir.path()), "--listen",
       "127.0.0.1:" + std::to_string(port)},
      {}, dir.path() + "/agent.log");
  ASSERT_TRUE(
      testing::WaitForTcpPort("127.0.0.1", port, std::chrono::seconds(10)));
  AgentChannelCache cache(grpc::InsecureChannelCredentials(), {}, 1);
  auto stub = cache.Get("127.0.0.1:" + std::to_string(port));
  cache.Get("127.0.0.1:1");  // drops the agent's channel from the cache
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  agent::v1::ListDomainsResponse reply;
  grpc::Status status =
      stub->ListDomains(&context, agent::v1::ListDomainsRequest(), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.domains_size(), 3);
}

}  // namespace
}  // namespace porthole::controller
