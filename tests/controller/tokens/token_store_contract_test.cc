// The TokenStore contract (token_store.h), once for every backend: SQLite on
// a file and etcd (a real one-member etcd from Debian's etcd-server).
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/etcd_token_record.h"
#include "controller/tokens/token_store.h"
#include "controller/tokens/token_store_factory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/controller/tokens/token_store_test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_cluster.h"

namespace porthole::controller {
namespace {

using ::porthole::testing::EtcdCluster;
using ::porthole::testing::ReadFile;
using ::porthole::testing::TempDir;
using ::porthole::testing::WaitFor;
using ::testing::UnorderedElementsAreArray;

enum class Backend { kSqlite, kEtcd };

class TokenStoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kEtcd) {
      etcd_ = std::make_unique<EtcdCluster>(1);
      ASSERT_TRUE(etcd_->Start()) << etcd_->error();
      url_ = etcd_->StoreUrl("/contract");
    } else {
      url_ = "sqlite://" + dir_.path() + "/tokens.db";
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  // Another store on the same backing: a second process on the file, a
  // second replica on etcd.
  std::unique_ptr<TokenStore> Open() {
    auto store = OpenTokenStore(url_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // Every byte the backend keeps: the SQLite files, or every key and
  // value in etcd.
  std::string BackendBytes() {
    if (GetParam() == Backend::kSqlite) {
      const std::string path = dir_.path() + "/tokens.db";
      return ReadFile(path) + ReadFile(path + "-wal");
    }
    return etcd_->Etcdctl({"get", "--prefix", ""}).value_or("");
  }

  TempDir dir_;
  std::unique_ptr<EtcdCluster> etcd_;
  std::string url_;
  std::unique_ptr<TokenStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, TokenStoreContractTest,
                         ::testing::Values(Backend::kSqlite, Backend::kEtcd),
                         [](const auto& info) {
                           return info.param == Backend::kSqlite ? "Sqlite"
                                                                 : "Etcd";
                         });

TEST_P(TokenStoreContractTest, InsertThenFindValid_ReturnsEveryField) {
  std::string token = NewConsoleToken();
  ConsoleAuthRecord record = MakeRecord(token, kServerA, 1000);
  record.console_type = "spice-direct";
  record.tls_port = 5902;
  record.internal_access_path = "/websockify";
  record.user_id = "8a1b2c3d";
  record.project_id = "4e5f6a7b";
  record.revocation_keys = {"aud-1", "chain-1", "default", "d2", 900};
  ASSERT_TRUE(store_->Insert(record).ok());

  auto found = store_->FindValid(HashConsoleToken(token), 999);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  const ConsoleAuthRecord& got = **found;
  EXPECT_EQ(got.token_hash, record.token_hash);
  EXPECT_EQ(got.console_type, "spice-direct");
  EXPECT_EQ(got.host, "192.0.2.10");
  EXPECT_EQ(got.port, 5901u);
  EXPECT_EQ(got.tls_port, std::optional<uint32_t>(5902));
  EXPECT_EQ(got.internal_access_path,
            std::optional<std::string>("/websockify"));
  EXPECT_EQ(got.instance_uuid, kServerA);
  EXPECT_EQ(got.compute_host, "compute-1");
  EXPECT_EQ(got.access_url_base, "http://127.0.0.1:6080/vnc_lite.html");
  EXPECT_EQ(got.expires, 1000);
  EXPECT_EQ(got.user_id, "8a1b2c3d");
  EXPECT_EQ(got.project_id, "4e5f6a7b");
  EXPECT_EQ(got.revocation_keys.audit_id, "aud-1");
  EXPECT_EQ(got.revocation_keys.audit_chain_id, "chain-1");
  EXPECT_EQ(got.revocation_keys.user_domain_id, "default");
  EXPECT_EQ(got.revocation_keys.project_domain_id, "d2");
  EXPECT_EQ(got.revocation_keys.issued_at, 900);
}

TEST_P(TokenStoreContractTest, FindValid_NullableFieldsAbsent_StayAbsent) {
  std::string token = NewConsoleToken();
  ConsoleAuthRecord record = MakeRecord(token, kServerA, 1000);
  record.access_url_base = "";  // empty, not NULL
  ASSERT_TRUE(store_->Insert(record).ok());
  auto found = store_->FindValid(HashConsoleToken(token), 0);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_FALSE((*found)->tls_port.has_value());
  EXPECT_FALSE((*found)->internal_access_path.has_value());
  EXPECT_EQ((*found)->access_url_base, "");
  EXPECT_EQ((*found)->revocation_keys.issued_at, 0);  // not from Keystone
  EXPECT_EQ((*found)->revocation_keys.audit_id, "");
}

TEST_P(TokenStoreContractTest, FindValid_AtOrAfterExpiry_NotFound) {
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  std::string hash = HashConsoleToken(token);

  EXPECT_TRUE(store_->FindValid(hash, 999)->has_value());
  EXPECT_FALSE(store_->FindValid(hash, 1000)->has_value());  // expires > now
  EXPECT_FALSE(store_->FindValid(hash, 5000)->has_value());
  // Not single-use: still valid for a second lookup before expiry.
  EXPECT_TRUE(store_->FindValid(hash, 999)->has_value());
}

TEST_P(TokenStoreContractTest, FindValid_UnknownOrRawToken_NotFound) {
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  EXPECT_FALSE(
      store_->FindValid(HashConsoleToken(NewConsoleToken()), 0)->has_value());
  EXPECT_FALSE(store_->FindValid(token, 0)->has_value());
  EXPECT_FALSE(store_->FindValid("", 0)->has_value());
}

TEST_P(TokenStoreContractTest, Backend_HoldsTheHashButNeverTheToken) {
  std::string token = NewConsoleToken();
  std::string hash = HashConsoleToken(token);
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  std::string bytes = BackendBytes();
  EXPECT_NE(bytes.find(hash), std::string::npos) << "search is broken";
  EXPECT_EQ(bytes.find(token), std::string::npos);
}

TEST_P(TokenStoreContractTest, Insert_RawTokenAsHash_InvalidArgument) {
  std::string token = NewConsoleToken();
  ConsoleAuthRecord record = MakeRecord(token, kServerA, 1000);
  record.token_hash = token;
  absl::Status status = store_->Insert(record);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(BackendBytes().find(token), std::string::npos);
}

TEST_P(TokenStoreContractTest, Insert_SameHashTwice_AlreadyExists) {
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  absl::Status status = store_->Insert(MakeRecord(token, kServerB, 2000));
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  // The first record is untouched.
  auto found = store_->FindValid(HashConsoleToken(token), 0);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->instance_uuid, kServerA);
  EXPECT_EQ((*found)->expires, 1000);
  // The store is usable again after the failure.
  EXPECT_TRUE(store_->Insert(MakeRecord(NewConsoleToken(), kServerB, 1)).ok());
}

TEST_P(TokenStoreContractTest, DeleteForInstance_RemovesOnlyThatServersTokens) {
  std::vector<std::string> a_tokens, b_tokens;
  for (int i = 0; i < 3; ++i) a_tokens.push_back(NewConsoleToken());
  for (int i = 0; i < 2; ++i) b_tokens.push_back(NewConsoleToken());
  for (const auto& t : a_tokens) {
    ASSERT_TRUE(store_->Insert(MakeRecord(t, kServerA, 1000)).ok());
  }
  for (const auto& t : b_tokens) {
    ASSERT_TRUE(store_->Insert(MakeRecord(t, kServerB, 1000)).ok());
  }

  EXPECT_EQ(*store_->DeleteForInstance(kServerA), 3);
  for (const auto& t : a_tokens) {
    EXPECT_FALSE(store_->FindValid(HashConsoleToken(t), 0)->has_value());
  }
  for (const auto& t : b_tokens) {
    EXPECT_TRUE(store_->FindValid(HashConsoleToken(t), 0)->has_value());
  }
  EXPECT_EQ(*store_->DeleteForInstance(kServerA), 0);
  EXPECT_EQ(*store_->DeleteForInstance("no-such-server"), 0);
}

TEST_P(TokenStoreContractTest, PurgeExpired_ExpiredStayInvisible_OthersStay) {
  std::vector<std::string> tokens;
  for (int64_t expires : {100, 200, 300, 400}) {
    tokens.push_back(NewConsoleToken());
    ASSERT_TRUE(
        store_->Insert(MakeRecord(tokens.back(), kServerA, expires)).ok());
  }
  absl::StatusOr<int> purged = store_->PurgeExpired(200);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_GE(*purged, 0);
  EXPECT_LE(*purged, 2);
  EXPECT_FALSE(
      store_->FindValid(HashConsoleToken(tokens[0]), 200)->has_value());
  EXPECT_FALSE(
      store_->FindValid(HashConsoleToken(tokens[1]), 200)->has_value());
  EXPECT_TRUE(store_->FindValid(HashConsoleToken(tokens[2]), 250)->has_value());
  EXPECT_TRUE(store_->FindValid(HashConsoleToken(tokens[3]), 250)->has_value());
}

TEST_P(TokenStoreContractTest, Tokens_SurviveClosingAndReopening) {
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  store_.reset();
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  auto found = reopened->FindValid(HashConsoleToken(token), 999);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->instance_uuid, kServerA);
}

TEST_P(TokenStoreContractTest, TwoStoresOnOneBackend_SeeEachOthersTokens) {
  // An API and a proxy process on one file; two replicas on one etcd.
  auto other = Open();
  ASSERT_NE(other, nullptr);
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  EXPECT_TRUE(other->FindValid(HashConsoleToken(token), 0)->has_value());
  EXPECT_EQ(*other->DeleteForInstance(kServerA), 1);
  EXPECT_FALSE(store_->FindValid(HashConsoleToken(token), 0)->has_value());
}

TEST_P(TokenStoreContractTest, MarkUsed_FirstCallTrue_LaterCallsFalse) {
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  const std::string hash = HashConsoleToken(token);
  absl::StatusOr<bool> first = store_->MarkUsed(hash, 999);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(*first);
  absl::StatusOr<bool> second = store_->MarkUsed(hash, 999);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(*second);
  // The mark does not hide the token: lookups are unchanged.
  EXPECT_TRUE(store_->FindValid(hash, 999)->has_value());
  // Another token is not marked by it.
  std::string other = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(other, kServerA, 1000)).ok());
  EXPECT_EQ(*store_->MarkUsed(HashConsoleToken(other), 0), true);
}

TEST_P(TokenStoreContractTest, MarkUsed_ExpiredUnknownOrRevoked_NotFound) {
  std::string token = NewConsoleToken();
  ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
  const std::string hash = HashConsoleToken(token);
  EXPECT_EQ(store_->MarkUsed(hash, 1000).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      store_->MarkUsed(HashConsoleToken(NewConsoleToken()), 0).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->MarkUsed(token, 0).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_EQ(*store_->DeleteForInstance(kServerA), 1);
  EXPECT_EQ(store_->MarkUsed(hash, 0).status().code(),
            absl::StatusCode::kNotFound);
}

// Two processes on one file, two replicas on one etcd, 8 threads each,
// racing for one URL: exactly one call wins.
TEST_P(TokenStoreContractTest, MarkUsed_RacedByTwoStores_ExactlyOneWins) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  for (int round = 0; round < 5; ++round) {
    std::string token = NewConsoleToken();
    ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, 1000)).ok());
    const std::string hash = HashConsoleToken(token);
    std::atomic<int> wins{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 16; ++i) {
      TokenStore* store = i % 2 == 0 ? store_.get() : other.get();
      threads.emplace_back([store, &hash, &wins, &errors] {
        absl::StatusOr<bool> marked = store->MarkUsed(hash, 0);
        if (!marked.ok()) {
          ++errors;
        } else if (*marked) {
          ++wins;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(wins.load(), 1) << "round " << round;
  }
}

TEST_P(TokenStoreContractTest, DeleteForInstance_ToldToTheRevocationListener) {
  RevocationLog log;
  store_->SetRevocationListener(log.Listener());
  const int64_t later = SystemUnixSeconds() + 600;
  std::vector<std::string> hashes;
  for (int i = 0; i < 3; ++i) {
    std::string token = NewConsoleToken();
    hashes.push_back(HashConsoleToken(token));
    ASSERT_TRUE(store_->Insert(MakeRecord(token, kServerA, later)).ok());
  }
  ASSERT_TRUE(
      store_->Insert(MakeRecord(NewConsoleToken(), kServerB, later)).ok());
  ASSERT_EQ(*store_->DeleteForInstance(kServerA), 3);
  ASSERT_TRUE(WaitFor([&] { return log.hashes().size() >= 3; },
                      std::chrono::seconds(5)));
  EXPECT_THAT(log.hashes(), UnorderedElementsAreArray(hashes));
  EXPECT_THAT(log.instances(), ::testing::Each(std::string(kServerA)));
  // Nothing more: the other server's token was not revoked.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(log.hashes().size(), 3u);
  store_->SetRevocationListener(nullptr);
}

TEST_P(TokenStoreContractTest, ConcurrentInsertsFindsAndPurges_From8Threads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 60;
  std::atomic<int> failures{0};
  std::vector<std::vector<std::string>> tokens(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string uuid = absl::StrCat("server-", t);
      for (int i = 0; i < kPerThread; ++i) {
        std::string token = NewConsoleToken();
        const bool lasting = i % 2 == 0;
        int64_t expires = lasting ? 1000 : 100;
        if (!store_->Insert(MakeRecord(token, uuid, expires)).ok()) ++failures;
        auto found = store_->FindValid(HashConsoleToken(token), 50);
        // Odd rows may be purged by any thread at any moment.
        if (!found.ok() || (lasting && !found->has_value())) ++failures;
        if (i % 20 == 0 && !store_->PurgeExpired(500).ok()) ++failures;
        if (lasting) tokens[t].push_back(token);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(tokens[t].size(), kPerThread / 2u);
    for (const auto& token : tokens[t]) {
      EXPECT_TRUE(store_->FindValid(HashConsoleToken(token), 500)->has_value());
    }
    // Expired, not yet purged tokens of the server count too (SQLite's
    // purge at 500 took them; etcd's leases have not ended yet).
    absl::StatusOr<int> deleted =
        store_->DeleteForInstance(absl::StrCat("server-", t));
    ASSERT_TRUE(deleted.ok());
    EXPECT_GE(*deleted, kPerThread / 2);
  }
}

// etcd keeps records as JSON: one written before issue 13 has no issuer
// and still decodes, with the issuer unknown.
TEST(EtcdTokenRecord, WrittenBeforeIssuerWasStored_DecodesWithEmptyIssuer) {
  const std::string hash = HashConsoleToken(NewConsoleToken());
  absl::StatusOr<ConsoleAuthRecord> record = DecodeEtcdTokenRecord(
      hash, R"({"console_type":"novnc","host":"192.0.2.10","port":5901,)"
            R"("instance_uuid":"b48316c5-71e8-45e4-9884-6c78055b9b13",)"
            R"("compute_host":"compute-1","access_url_base":"http://x/",)"
            R"("expires":1000})");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->user_id, "");
  EXPECT_EQ(record->project_id, "");
  EXPECT_EQ(record->port, 5901u);
}

}  // namespace
}  // namespace porthole::controller
