// A ConsoleProxy test fixture: a real SQLite token store and JSON-lines
// audit log in a fresh directory, a StaticServerDirectory with kVm running
// on one console (VNC unless the suite says SPICE; the port of its real
// QEMU), and the
// proxy on a fixed clock. Subclasses set options_ and call StartProxy().
#ifndef PORTHOLE_TESTS_CONTROLLER_PROXY_AUDITED_PROXY_TEST_H_
#define PORTHOLE_TESTS_CONTROLLER_PROXY_AUDITED_PROXY_TEST_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "controller/proxy/console_proxy.h"
#include "controller/sessions/file_audit_log.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "nlohmann/json.hpp"
#include "tests/controller/proxy/audit_file.h"
#include "tests/support/child_process.h"
#include "tests/support/static_server_directory.h"
#include "tests/support/test_pki.h"

namespace porthole::controller {

// A TestPki in a directory of its own with the "proxy" identity for
// 127.0.0.1 (the native listener's certificate): one per suite.
class ProxyPki {
 public:
  ProxyPki() : pki_(dir_.path()) {
    ok_ = pki_.Init() && pki_.IssueServer("proxy", "IP:127.0.0.1");
  }
  bool ok() const { return ok_; }
  const testing::TestPki& pki() const { return pki_; }

 private:
  testing::TempDir dir_;
  testing::TestPki pki_;
  bool ok_ = false;
};

class AuditedProxyTest : public ::testing::Test {
 protected:
  static constexpr char kVm[] = "11111111-1111-4111-8111-111111111111";
  static constexpr int64_t kNow = 1'800'000'000;

  // kVm's console: its protocol and port.
  explicit AuditedProxyTest(
      int console_port, agent::v1::Protocol protocol = agent::v1::PROTOCOL_VNC)
      : console_port_(console_port), protocol_(protocol) {}

  void SetUp() override {
    auto store = SqliteTokenStore::Open(dir_.path() + "/tokens.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto audit = FileAuditLog::Open(audit_path_);
    ASSERT_TRUE(audit.ok()) << audit.status();
    audit_ = std::move(*audit);
    directory_.Upsert(RunningServer(kVm, protocol_, "127.0.0.1",
                                    static_cast<uint32_t>(console_port_)));
    options_.spice.enabled = false;
    options_.serial.enabled = false;
  }

  void TearDown() override {
    if (proxy_) proxy_->Stop(absl::ZeroDuration());
  }

  void StartProxy() {
    ProxySessionServices services;
    services.audit = audit_.get();
    services.replica = "replica-1";
    proxy_ = std::make_unique<ConsoleProxy>(
        options_, store_.get(), &directory_, [] { return kNow; }, nullptr,
        services);
    absl::Status s = proxy_->Start();
    ASSERT_TRUE(s.ok()) << s;
  }

  // The native listener on a free port of 127.0.0.1 with `pki`'s "proxy"
  // certificate, handshakes bounded at 5 s; no noVNC listener.
  void UseNativeListener(const testing::TestPki& pki) {
    options_.novnc.enabled = false;
    options_.cert = pki.cert("proxy");
    options_.key = pki.key("proxy");
    options_.handshake_timeout = absl::Seconds(5);
    options_.native.listen = HostPort{"127.0.0.1", 0};
  }

  // A token of `type` for kVm's console, issued by alice of p1.
  std::string Issue(const std::string& type, const std::string& base) {
    std::string token = NewConsoleToken();
    ConsoleAuthRecord r;
    r.token_hash = HashConsoleToken(token);
    r.console_type = type;
    r.host = "127.0.0.1";
    r.port = static_cast<uint32_t>(console_port_);
    r.instance_uuid = kVm;
    r.compute_host = "compute-a";
    r.access_url_base = base;
    r.expires = kNow + 600;
    r.user_id = "alice";
    r.project_id = "p1";
    EXPECT_TRUE(store_->Insert(r).ok());
    return token;
  }

  std::vector<nlohmann::json> Audited(const std::string& event,
                                      size_t count = 1) {
    return porthole::testing::AuditRecords(audit_path_, event, count);
  }

  const int console_port_;
  const agent::v1::Protocol protocol_;
  porthole::testing::TempDir dir_;
  const std::string audit_path_ = dir_.path() + "/audit.jsonl";
  std::unique_ptr<SqliteTokenStore> store_;
  std::unique_ptr<FileAuditLog> audit_;
  StaticServerDirectory directory_;
  ProxyOptions options_;
  std::unique_ptr<ConsoleProxy> proxy_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_TESTS_CONTROLLER_PROXY_AUDITED_PROXY_TEST_H_
