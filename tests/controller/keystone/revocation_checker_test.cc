#include "controller/keystone/revocation_checker.h"

#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace porthole::controller::keystone {
namespace {

IssuingToken Token(std::string audit_id) {
  return {"u", "p", {std::move(audit_id), "chain", "d", "d", 100}};
}

RevocationEvent AuditEvent(std::string audit_id) {
  RevocationEvent event;
  event.audit_id = std::move(audit_id);
  event.issued_before = 200;
  return event;
}

// What Keystone would answer next, and how often it was asked.
struct FakeKeystone {
  absl::Mutex mu;
  absl::StatusOr<std::vector<RevocationEvent>> next ABSL_GUARDED_BY(mu) =
      std::vector<RevocationEvent>{};
  int asked ABSL_GUARDED_BY(mu) = 0;

  RevocationChecker::EventSource Source() {
    return [this] {
      absl::MutexLock lock(&mu);
      ++asked;
      return next;
    };
  }
  int Asked() {
    absl::MutexLock lock(&mu);
    return asked;
  }
  void Answer(absl::StatusOr<std::vector<RevocationEvent>> events) {
    absl::MutexLock lock(&mu);
    next = std::move(events);
  }
};

TEST(RevocationCheckerTest, ChangedEvents_AreAnsweredAndReported) {
  FakeKeystone keystone;
  int changes = 0;
  RevocationChecker checker(keystone.Source(),
                            [&](const AccessRevocations& now) {
                              ++changes;
                              EXPECT_TRUE(now.IsRevoked(Token("a")));
                            });
  ASSERT_TRUE(checker.CheckNow().ok());
  EXPECT_EQ(changes, 0);  // nothing revoked, nothing changed
  EXPECT_FALSE(checker.IsRevoked(Token("a")));

  keystone.Answer(std::vector<RevocationEvent>{AuditEvent("a")});
  ASSERT_TRUE(checker.CheckNow().ok());
  EXPECT_EQ(changes, 1);
  EXPECT_TRUE(checker.IsRevoked(Token("a")));
  EXPECT_FALSE(checker.IsRevoked(Token("b")));
  ASSERT_TRUE(checker.CheckNow().ok());
  EXPECT_EQ(changes, 1);  // the same events: no second report
}

TEST(RevocationCheckerTest, KeystoneDown_KeepsTheLastEvents) {
  FakeKeystone keystone;
  keystone.Answer(std::vector<RevocationEvent>{AuditEvent("a")});
  RevocationChecker checker(keystone.Source(), nullptr);
  ASSERT_TRUE(checker.CheckNow().ok());
  keystone.Answer(absl::UnavailableError("Keystone unreachable"));
  EXPECT_TRUE(absl::IsUnavailable(checker.CheckNow()));
  EXPECT_TRUE(checker.IsRevoked(Token("a")));
}

TEST(RevocationCheckerTest, Started_FetchesAtOnceAndAgainEachInterval) {
  FakeKeystone keystone;
  {
    RevocationChecker checker(keystone.Source(), nullptr);
    checker.Start(absl::Milliseconds(10));
    absl::MutexLock lock(&keystone.mu);
    auto asked_thrice = [&keystone]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                            keystone.mu) { return keystone.asked >= 3; };
    EXPECT_TRUE(keystone.mu.AwaitWithTimeout(absl::Condition(&asked_thrice),
                                             absl::Seconds(10)));
  }  // the destructor stops the thread
  const int asked = keystone.Asked();
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(keystone.Asked(), asked);
}

}  // namespace
}  // namespace porthole::controller::keystone
