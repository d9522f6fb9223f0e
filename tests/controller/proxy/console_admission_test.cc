// ConsoleAdmission against a real SQLite token store (and a real etcd for
// the store-down case) and an in-memory server directory: every reason an
// upgrade is refused, without sockets.
#include "controller/proxy/console_admission.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "controller/keystone/revocation_checker.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "controller/tokens/token_store_factory.h"
#include "tests/support/child_process.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/static_server_directory.h"

namespace porthole::controller {
namespace {

namespace v1 = agent::v1;
using ::porthole::testing::EtcdCluster;
using ::porthole::testing::WaitFor;
constexpr char kVm[] = "11111111-1111-4111-8111-111111111111";
constexpr int64_t kNow = 1'800'000'000;

Server VncServer(uint32_t port, std::string host = "compute-a") {
  Server s = RunningServer(kVm, v1::PROTOCOL_VNC, "127.0.0.1", port);
  s.host = std::move(host);
  return s;
}

class ConsoleAdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteTokenStore::Open(":memory:");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    directory_.Upsert(VncServer(5901));
    auto origins = OriginPolicy::Create({}, {});
    ASSERT_TRUE(origins.ok());
    origins_.emplace(*origins);
  }

  std::string Issue(std::string type = "novnc", int64_t expires = kNow + 600,
                    uint32_t port = 5901, RevocationKeys keys = {}) {
    std::string token = NewConsoleToken();
    ConsoleAuthRecord r;
    r.token_hash = HashConsoleToken(token);
    r.console_type = std::move(type);
    r.host = "127.0.0.1";
    r.port = port;
    r.instance_uuid = kVm;
    r.compute_host = "compute-a";
    r.access_url_base = "http://127.0.0.1:6080/vnc_lite.html";
    r.expires = expires;
    r.user_id = "u-alice";
    r.project_id = "p-demo";
    r.revocation_keys = std::move(keys);
    EXPECT_TRUE(store_->Insert(r).ok());
    return token;
  }

  AdmissionResult Admit(const std::string& target,
                        ProxyKind kind = ProxyKind::kNoVnc,
                        std::optional<std::string> origin = std::nullopt) {
    ConsoleAdmission admission(
        kind, store_.get(), &directory_, &*origins_,
        [this] { return now_.load(); }, recheck_inventory_max_age_, single_use_,
        revocations_);
    AdmissionRequest request;
    request.target = target;
    request.origin.origin = std::move(origin);
    request.origin.host = "127.0.0.1:6080";
    request.origin.peer = "127.0.0.1";
    request.request_id = "req-test";
    return admission.Admit(request);
  }

  static std::string Reason(const AdmissionResult& r) {
    return r.rejection ? std::string(ProxyErrorName(r.rejection->error)) : "ok";
  }

  std::unique_ptr<TokenStore> store_;
  StaticServerDirectory directory_;
  std::optional<OriginPolicy> origins_;
  std::atomic<int64_t> now_{kNow};
  absl::Duration recheck_inventory_max_age_ = absl::Seconds(3);
  bool single_use_ = false;
  const AccessRevocations* revocations_ = nullptr;
};

TEST_F(ConsoleAdmissionTest, ValidToken_IsAdmittedWithItsEndpoint) {
  std::string token = Issue();
  AdmissionResult r = Admit("/?token=" + token);
  ASSERT_EQ(Reason(r), "ok");
  EXPECT_EQ(r.record.host, "127.0.0.1");
  EXPECT_EQ(r.record.port, 5901u);
  EXPECT_EQ(r.token_tag, HashConsoleToken(token).substr(0, 8));
  EXPECT_EQ(directory_.last_request_id(), "req-test");
}

TEST_F(ConsoleAdmissionTest, MissingMalformedOrUnknownToken_IsTokenInvalid) {
  EXPECT_EQ(Reason(Admit("/")), "token-invalid");
  EXPECT_EQ(Reason(Admit("/?token=DROP%20TABLE")), "token-invalid");
  EXPECT_EQ(Reason(Admit("/?token=" + NewConsoleToken())), "token-invalid");
  EXPECT_EQ(Admit("/").rejection->status, 403);
}

// etcd down: the token may be good, so not token-invalid; a 503 before the
// upgrade within the store's deadline, and admitted again once etcd is back.
TEST_F(ConsoleAdmissionTest, TokenStoreDown_IsStoreUnavailable503_ThenAdmits) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto store = OpenTokenStore(etcd.StoreUrl("/proxy"),
                              {.timeout = absl::Milliseconds(500)});
  ASSERT_TRUE(store.ok()) << store.status();
  store_ = *std::move(store);
  std::string token = Issue();
  ASSERT_EQ(Reason(Admit("/?token=" + token)), "ok");

  etcd.Kill(0);
  const auto start = std::chrono::steady_clock::now();
  AdmissionResult r = Admit("/?token=" + token);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(1500));
  EXPECT_EQ(Reason(r), "store-unavailable");
  ASSERT_TRUE(r.rejection.has_value());
  EXPECT_EQ(r.rejection->status, 503);
  EXPECT_EQ(r.rejection->phrase, "Token store unavailable");

  ASSERT_TRUE(etcd.Restart(0)) << etcd.error();
  EXPECT_TRUE(WaitFor([&] { return Reason(Admit("/?token=" + token)) == "ok"; },
                      std::chrono::seconds(10)));
}

TEST_F(ConsoleAdmissionTest, SingleUseOff_UrlAdmitsUntilItExpires) {
  std::string token = Issue();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
}

TEST_F(ConsoleAdmissionTest, SingleUse_SecondAdmission_IsTokenUsed403) {
  single_use_ = true;
  std::string token = Issue();
  ASSERT_EQ(Reason(Admit("/?token=" + token)), "ok");
  AdmissionResult again = Admit("/?token=" + token);
  EXPECT_EQ(Reason(again), "token-used");
  ASSERT_TRUE(again.rejection.has_value());
  EXPECT_EQ(again.rejection->status, 403);
  EXPECT_EQ(again.token_tag, HashConsoleToken(token).substr(0, 8));
  // Another URL of the same server is not affected.
  EXPECT_EQ(Reason(Admit("/?token=" + Issue())), "ok");
}

// A refusal for another reason (here a foreign Origin) does not use the URL.
TEST_F(ConsoleAdmissionTest, SingleUse_RefusedAttempt_LeavesTheUrlUsable) {
  single_use_ = true;
  std::string token = Issue();
  EXPECT_EQ(Reason(Admit("/?token=" + token, ProxyKind::kNoVnc,
                         "http://evil.example")),
            "origin-rejected");
  EXPECT_EQ(Reason(Admit("/?token=" + token, ProxyKind::kSerial)),
            "wrong-console-type");
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "token-used");
}

// A URL issued with a Keystone token that Keystone revoked since admits no
// session (and, with single_use, stays unmarked); other URLs are not
// affected.
TEST_F(ConsoleAdmissionTest, AccessRevokedInKeystone_IsRefused403) {
  single_use_ = true;
  keystone::RevocationEvent revoked;
  revoked.audit_id = "aud-revoked";
  revoked.issued_before = kNow;
  keystone::RevocationChecker checker(
      [revoked] { return std::vector<keystone::RevocationEvent>{revoked}; },
      nullptr);
  ASSERT_TRUE(checker.CheckNow().ok());
  revocations_ = &checker;
  const std::string gone =
      Issue("novnc", kNow + 600, 5901,
            {"aud-revoked", "chain", "default", "default", kNow - 10});
  AdmissionResult r = Admit("/?token=" + gone);
  EXPECT_EQ(Reason(r), "access-revoked");
  ASSERT_TRUE(r.rejection.has_value());
  EXPECT_EQ(r.rejection->status, 403);
  EXPECT_EQ(Reason(Admit("/?token=" + Issue("novnc", kNow + 600, 5901,
                                            {"aud-other", "chain", "default",
                                             "default", kNow - 10}))),
            "ok");
  EXPECT_EQ(Reason(Admit("/?token=" + Issue())), "ok");  // not Keystone's
  revocations_ = nullptr;
  EXPECT_EQ(Reason(Admit("/?token=" + gone)), "ok");  // never marked used
}

// Two replicas on one etcd: the URL admits one session whichever replica
// the browser reaches first; with single_use off it is admitted again.
TEST_F(ConsoleAdmissionTest, SingleUse_TwoReplicasOnEtcd_OneSessionOnly) {
  EtcdCluster etcd(1);
  ASSERT_TRUE(etcd.Start()) << etcd.error();
  auto replica_a = OpenTokenStore(etcd.StoreUrl("/single"));
  auto replica_b = OpenTokenStore(etcd.StoreUrl("/single"));
  ASSERT_TRUE(replica_a.ok()) << replica_a.status();
  ASSERT_TRUE(replica_b.ok()) << replica_b.status();
  store_ = *std::move(replica_a);
  std::string token = Issue();
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");  // single_use off
  single_use_ = true;
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");  // marks it
  store_ = *std::move(replica_b);
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "token-used");
  single_use_ = false;
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
}

TEST_F(ConsoleAdmissionTest, ExpiredToken_IsTokenExpired) {
  std::string token = Issue("novnc", kNow + 10);
  now_ = kNow + 10;  // expires > now is required
  AdmissionResult r = Admit("/?token=" + token);
  EXPECT_EQ(Reason(r), "token-expired");
  EXPECT_EQ(r.rejection->status, 403);
  ASSERT_TRUE(store_->PurgeExpired(now_).ok());
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "token-invalid");
}

TEST_F(ConsoleAdmissionTest, TokenOfAnotherConsoleType_IsWrongConsoleType) {
  std::string token = Issue("serial");
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "wrong-console-type");
  std::string vnc = Issue("novnc");
  EXPECT_EQ(Reason(Admit("/?token=" + vnc, ProxyKind::kSerial)),
            "wrong-console-type");
}

TEST_F(ConsoleAdmissionTest, ForeignOrigin_IsOriginRejectedWithNovasText) {
  std::string token = Issue();
  AdmissionResult r =
      Admit("/?token=" + token, ProxyKind::kNoVnc, "http://evil.example");
  EXPECT_EQ(Reason(r), "origin-rejected");
  EXPECT_EQ(r.rejection->phrase, "Origin header does not match this host.");
  EXPECT_EQ(Reason(Admit("/?token=" + token, ProxyKind::kNoVnc,
                         "http://127.0.0.1:6080")),
            "ok");
}

TEST_F(ConsoleAdmissionTest, ConsoleNowOnAnotherPort_IsTokenInvalid) {
  // CVE-2013-0335: the port was reused by another VM, or the VM moved.
  std::string token = Issue();
  directory_.Upsert(VncServer(5902));
  AdmissionResult r = Admit("/?token=" + token);
  EXPECT_EQ(Reason(r), "token-invalid");
  EXPECT_NE(r.rejection->detail.find("console moved"), std::string::npos);
}

TEST_F(ConsoleAdmissionTest, ServerOnAnotherHost_IsTokenInvalid) {
  std::string token = Issue();
  directory_.Upsert(VncServer(5901, "compute-b"));
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "token-invalid");
}

TEST_F(ConsoleAdmissionTest, ServerGone_IsTokenInvalid) {
  std::string token = Issue();
  directory_.Remove(kVm);
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "token-invalid");
}

TEST_F(ConsoleAdmissionTest, AgentDownOrServerStopped_IsBackendUnreachable) {
  std::string token = Issue();
  Server down = VncServer(5901);
  down.host_connected = false;
  directory_.Upsert(down);
  AdmissionResult r = Admit("/?token=" + token);
  EXPECT_EQ(Reason(r), "backend-unreachable");
  EXPECT_EQ(r.rejection->status, 502);
  Server stopped = VncServer(5901);
  stopped.domain.set_state(v1::DOMAIN_STATE_SHUTOFF);
  directory_.Upsert(stopped);
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "backend-unreachable");
}

// The port re-check from the inventory: only while the host's agent has
// confirmed it recently (a heartbeat), and with the same rules.

TEST_F(ConsoleAdmissionTest, HostConfirmedJustNow_RecheckReadsTheInventory) {
  std::string token = Issue();
  directory_.Confirm("compute-a", absl::Now());
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
  EXPECT_EQ(directory_.get_console_calls(), 0);
}

TEST_F(ConsoleAdmissionTest, HostConfirmed_PortReusedInTheInventory_Refused) {
  // CVE-2013-0335 through the inventory path: the change that moved the
  // console arrived before the heartbeat.
  std::string token = Issue();
  directory_.Upsert(VncServer(5902));
  directory_.Confirm("compute-a", absl::Now());
  AdmissionResult r = Admit("/?token=" + token);
  EXPECT_EQ(Reason(r), "token-invalid");
  EXPECT_NE(r.rejection->detail.find("console moved"), std::string::npos);
  Server stopped = VncServer(5901);
  stopped.domain.set_state(v1::DOMAIN_STATE_SHUTOFF);
  directory_.Upsert(stopped);
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "backend-unreachable");
  EXPECT_EQ(directory_.get_console_calls(), 0);
}

TEST_F(ConsoleAdmissionTest, ConfirmationOlderThanMaxAge_AsksTheAgent) {
  std::string token = Issue();
  directory_.Confirm("compute-a", absl::Now() - absl::Seconds(4));
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
  EXPECT_EQ(directory_.get_console_calls(), 1);
}

TEST_F(ConsoleAdmissionTest, MaxAgeZero_AlwaysAsksTheAgent) {
  recheck_inventory_max_age_ = absl::ZeroDuration();
  std::string token = Issue();
  directory_.Confirm("compute-a", absl::Now());
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
  EXPECT_EQ(directory_.get_console_calls(), 1);
}

TEST_F(ConsoleAdmissionTest, AgentWentDownAfterConfirming_AsksTheAgent) {
  std::string token = Issue();
  directory_.Confirm("compute-a", absl::Now());
  directory_.SetHostInSync("compute-a", false);
  AdmissionResult r = Admit("/?token=" + token);
  EXPECT_EQ(Reason(r), "backend-unreachable");
  EXPECT_EQ(directory_.get_console_calls(), 1);
}

TEST_F(ConsoleAdmissionTest, OtherHostConfirmed_DoesNotCountForThisOne) {
  std::string token = Issue();
  directory_.Upsert(VncServer(5901, "compute-b"));
  directory_.Remove(kVm);
  directory_.Upsert(VncServer(5901));
  directory_.Confirm("compute-b", absl::Now());
  EXPECT_EQ(Reason(Admit("/?token=" + token)), "ok");
  EXPECT_EQ(directory_.get_console_calls(), 1);
}

TEST(ChooseSubprotocol, BinaryEchoedNoneOkBase64OnlyRefused) {
  EXPECT_EQ(ChooseSubprotocol(std::nullopt), "");
  EXPECT_EQ(ChooseSubprotocol("binary"), "binary");
  EXPECT_EQ(ChooseSubprotocol("base64, binary"), "binary");
  EXPECT_EQ(ChooseSubprotocol(" "), "");
  EXPECT_EQ(ChooseSubprotocol("base64"), std::nullopt);
}

}  // namespace
}  // namespace porthole::controller
