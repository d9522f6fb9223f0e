// The API on the etcd token store while etcd is down: a 503 in Nova's shape
// within the store's deadline, then URLs again once etcd is back, without a
// restart. A real etcd from Debian's etcd-server.
#include <chrono>
#include <string>

#include "api_test_support.h"
#include "gtest/gtest.h"
#include "tests/support/etcd_cluster.h"

namespace porthole::controller::testing {
namespace {

using ::porthole::testing::EtcdCluster;
using ::porthole::testing::WaitFor;
using Clock = std::chrono::steady_clock;

TEST(TokenStoreUnavailable, EtcdDown_Returns503WithinTheDeadline_ThenRecovers) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  ApiFixture api(AuthKind::kTokensFile, ApiFixture::DefaultConfig(), nullptr,
                 etcd.StoreUrl("/api"));
  HttpResponse issued = api.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string token =
      TokenOf(BodyOf(issued)["remote_console"]["url"].get<std::string>());

  etcd.Kill(0);
  const auto start = Clock::now();
  HttpResponse refused = api.RemoteConsole(kServerId, "vnc", "novnc", "2.6");
  const auto took = Clock::now() - start;
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(FaultName(refused), "serviceUnavailable");
  EXPECT_EQ(FaultMessage(refused),
            "The console token store is unavailable. Please try again later.");
  // The fixture's store deadline is 500 ms.
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  HttpResponse lookup = api.Call("GET", "/v2.1/os-console-auth-tokens/" + token,
                                 api.admin_, "2.31");
  EXPECT_EQ(lookup.status, 503) << lookup.body;
  EXPECT_EQ(FaultName(lookup), "serviceUnavailable");

  ASSERT_TRUE(etcd.Restart(0)) << etcd.error();
  EXPECT_TRUE(WaitFor(
      [&] {
        return api.RemoteConsole(kServerId, "vnc", "novnc", "2.6").status ==
               200;
      },
      std::chrono::seconds(10)));
  lookup = api.Call("GET", "/v2.1/os-console-auth-tokens/" + token, api.admin_,
                    "2.31");
  EXPECT_EQ(lookup.status, 200) << lookup.body;
}

}  // namespace
}  // namespace porthole::controller::testing
