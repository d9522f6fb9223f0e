// What only the etcd store promises, against a real etcd (Debian's
// etcd-server): replicas that share tokens and revocations, lease expiry,
// etcd down and back, a leader lost, TLS.
#include "controller/tokens/etcd_token_store.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/etcd/etcd_store_options.h"
#include "controller/tokens/console_token.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/tokens/token_store_test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {
namespace {

using ::porthole::testing::EtcdCluster;
using ::porthole::testing::TempDir;
using ::porthole::testing::TestPki;
using ::porthole::testing::WaitFor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;
using Clock = std::chrono::steady_clock;

int64_t Later() { return SystemUnixSeconds() + 600; }

std::unique_ptr<EtcdTokenStore> OpenStore(const std::string& url,
                                          absl::Duration timeout,
                                          int64_t bucket = 60) {
  absl::StatusOr<EtcdStoreOptions> options = ParseEtcdStoreUrl(url);
  EXPECT_TRUE(options.ok()) << options.status();
  if (!options.ok()) return nullptr;
  options->call_timeout = timeout;
  options->lease_bucket_seconds = bucket;
  auto store = EtcdTokenStore::Open(*options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Keys under `prefix`, as etcdctl lists them.
std::vector<std::string> Keys(EtcdCluster& etcd, const std::string& prefix) {
  std::optional<std::string> out =
      etcd.Etcdctl({"get", "--prefix", "--keys-only", prefix});
  std::vector<std::string> keys;
  if (!out) return {"etcdctl failed: " + etcd.error()};
  for (absl::string_view line : absl::StrSplit(*out, '\n')) {
    if (!line.empty()) keys.emplace_back(line);
  }
  return keys;
}

TEST(EtcdTokenStore, TwoReplicas_ShareTokens_RevocationReachesTheOther) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto a = OpenStore(etcd.StoreUrl("/p"), absl::Seconds(2));
  auto b = OpenStore(etcd.StoreUrl("/p"), absl::Seconds(2));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RevocationLog seen_by_b;
  b->SetRevocationListener(seen_by_b.Listener());

  std::vector<std::string> hashes;
  for (int i = 0; i < 2; ++i) {
    std::string token = NewConsoleToken();
    hashes.push_back(HashConsoleToken(token));
    ASSERT_TRUE(a->Insert(MakeRecord(token, kServerA, Later())).ok());
  }
  std::string other = NewConsoleToken();
  ASSERT_TRUE(a->Insert(MakeRecord(other, kServerB, Later())).ok());
  for (const std::string& hash : hashes) {
    auto found = b->FindValid(hash, SystemUnixSeconds());
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(found->has_value());
  }

  const auto revoked_at = Clock::now();
  ASSERT_EQ(*a->DeleteForInstance(kServerA), 2);
  ASSERT_TRUE(WaitFor([&] { return seen_by_b.hashes().size() >= 2; },
                      std::chrono::seconds(5)));
  const auto delay = Clock::now() - revoked_at;
  EXPECT_THAT(seen_by_b.hashes(), UnorderedElementsAreArray(hashes));
  EXPECT_THAT(seen_by_b.instances(), ElementsAre(kServerA, kServerA));
  // Milliseconds, not a polling interval (generous for a loaded machine).
  EXPECT_LT(delay, std::chrono::seconds(1));
  EXPECT_FALSE(b->FindValid(hashes[0], SystemUnixSeconds())->has_value());
  EXPECT_TRUE(
      b->FindValid(HashConsoleToken(other), SystemUnixSeconds())->has_value());
}

TEST(EtcdTokenStore, Expiry_LeaseRemovesBothKeys_OneLeasePerBucket) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto store = OpenStore(etcd.StoreUrl("/p"), absl::Seconds(2), /*bucket=*/1);
  ASSERT_NE(store, nullptr);
  const int64_t expires = SystemUnixSeconds() + 1;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        store->Insert(MakeRecord(NewConsoleToken(), kServerA, expires)).ok());
  }
  EXPECT_EQ(Keys(etcd, "/p/").size(), 6u);  // tokens and index
  std::optional<std::string> leases = etcd.Etcdctl({"lease", "list"});
  ASSERT_TRUE(leases.has_value()) << etcd.error();
  EXPECT_THAT(*leases, HasSubstr("found 1 leases"));
  // The lease is at least a bucket past `expires`; etcd's minimum TTL and
  // its coarse expiry add a few seconds.
  EXPECT_TRUE(WaitFor([&] { return Keys(etcd, "/p/").empty(); },
                      std::chrono::seconds(15)))
      << Keys(etcd, "/p/").size();
}

TEST(EtcdTokenStore, EtcdDown_ErrorsWithinTheDeadline_BackWithoutReopening) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto store = OpenStore(etcd.StoreUrl("/p"), absl::Milliseconds(800));
  ASSERT_NE(store, nullptr);
  std::string before = NewConsoleToken();
  ASSERT_TRUE(store->Insert(MakeRecord(before, kServerA, Later())).ok());

  etcd.Kill(0);
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    absl::Status inserted =
        store->Insert(MakeRecord(NewConsoleToken(), kServerA, Later()));
    auto found = store->FindValid(HashConsoleToken(before), 0);
    const auto took = Clock::now() - start;
    EXPECT_EQ(inserted.code(), absl::StatusCode::kUnavailable) << inserted;
    EXPECT_THAT(std::string(inserted.message()), HasSubstr("etcd unavailable"));
    EXPECT_EQ(found.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(store->DeleteForInstance(kServerB).status().code(),
              absl::StatusCode::kUnavailable);
    // Two calls of at most 800 ms each, and some slack.
    EXPECT_LT(took, std::chrono::milliseconds(2500));
  }

  ASSERT_TRUE(etcd.Restart(0)) << etcd.error();
  // gRPC reconnects by itself (backoff capped at one second).
  EXPECT_TRUE(WaitFor(
      [&] {
        return store->Insert(MakeRecord(NewConsoleToken(), kServerA, Later()))
            .ok();
      },
      std::chrono::seconds(10)))
      << etcd.Etcdctl({"endpoint", "health"}).value_or(etcd.error());
  auto found = store->FindValid(HashConsoleToken(before), 0);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->has_value());
}

TEST(EtcdTokenStore, RevocationWatch_ResumesAfterEtcdRestart) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto a = OpenStore(etcd.StoreUrl("/p"), absl::Seconds(1));
  auto b = OpenStore(etcd.StoreUrl("/p"), absl::Seconds(1));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RevocationLog seen_by_b;
  b->SetRevocationListener(seen_by_b.Listener());
  std::string token = NewConsoleToken();
  ASSERT_TRUE(a->Insert(MakeRecord(token, kServerA, Later())).ok());

  etcd.Kill(0);
  ASSERT_TRUE(etcd.Restart(0)) << etcd.error();
  EXPECT_TRUE(WaitFor([&] { return a->DeleteForInstance(kServerA).ok(); },
                      std::chrono::seconds(10)));
  EXPECT_TRUE(WaitFor([&] { return seen_by_b.hashes().size() == 1; },
                      std::chrono::seconds(10)));
  EXPECT_THAT(seen_by_b.hashes(), ElementsAre(HashConsoleToken(token)));
}

TEST(EtcdTokenStore, ThreeMembers_LeaderKilled_FewSecondsOfErrors_NoTokenLost) {
  EtcdCluster etcd(3);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto store = OpenStore(etcd.StoreUrl("/p"), absl::Milliseconds(500));
  ASSERT_NE(store, nullptr);
  int leader = -1;
  ASSERT_TRUE(WaitFor([&] { return (leader = etcd.Leader()) >= 0; },
                      std::chrono::seconds(10)))
      << etcd.error();

  std::vector<std::string> issued;
  Clock::time_point first_error{}, last_error{};
  int errors = 0;
  const auto start = Clock::now();
  bool killed = false;
  while (Clock::now() - start < std::chrono::seconds(8)) {
    if (!killed && Clock::now() - start > std::chrono::seconds(1)) {
      etcd.Kill(leader);
      killed = true;
    }
    std::string token = NewConsoleToken();
    absl::Status inserted = store->Insert(MakeRecord(token, kServerA, Later()));
    if (inserted.ok()) {
      issued.push_back(token);
    } else {
      EXPECT_EQ(inserted.code(), absl::StatusCode::kUnavailable) << inserted;
      if (errors++ == 0) first_error = Clock::now();
      last_error = Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto gap =
      errors == 0 ? Clock::duration::zero() : last_error - first_error;
  std::cout
      << "leader killed: " << errors << " failed inserts over "
      << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()
      << " ms, " << issued.size() << " issued\n";
  EXPECT_LT(gap, std::chrono::seconds(5));
  ASSERT_GT(issued.size(), 20u);  // ~300 on an idle machine
  // Every token whose Insert said OK is there, through the two survivors.
  int missing = 0;
  for (const std::string& token : issued) {
    auto found = store->FindValid(HashConsoleToken(token), 0);
    if (!found.ok() || !found->has_value()) ++missing;
  }
  EXPECT_EQ(missing, 0);
}

TEST(EtcdTokenStore, MutualTls_WithTheClientCertificate_Works_WithoutRefused) {
  TempDir dir;
  TestPki pki(dir.path());
  ASSERT_TRUE(pki.Init()) << pki.error();
  ASSERT_TRUE(pki.IssueServer("etcd", "IP:127.0.0.1")) << pki.error();
  ASSERT_TRUE(pki.IssueClient("porthole", "porthole")) << pki.error();
  EtcdCluster etcd(
      1, EtcdCluster::Tls{pki.ca_cert(), pki.cert("etcd"), pki.key("etcd"),
                          pki.cert("porthole"), pki.key("porthole")});
  ASSERT_TRUE(etcd.Start()) << etcd.error();

  const std::string base = etcd.StoreUrl("/p");
  // A generous bound: the first call also makes the TLS channel, on a
  // machine whose two cores run other tests.
  auto store = OpenStore(
      absl::StrCat(base, "?cert=", pki.cert("porthole"),
                   "&key=", pki.key("porthole"), "&ca=", pki.ca_cert()),
      absl::Seconds(10));
  ASSERT_NE(store, nullptr);
  std::string token = NewConsoleToken();
  const absl::Status inserted =
      store->Insert(MakeRecord(token, kServerA, Later()));
  ASSERT_TRUE(inserted.ok()) << inserted;
  auto found = store->FindValid(HashConsoleToken(token), 0);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->has_value());

  // No client certificate: etcd refuses the handshake.
  auto anonymous = OpenStore(absl::StrCat(base, "?ca=", pki.ca_cert()),
                             absl::Milliseconds(800));
  ASSERT_NE(anonymous, nullptr);
  EXPECT_EQ(anonymous->FindValid(HashConsoleToken(token), 0).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace porthole::controller
