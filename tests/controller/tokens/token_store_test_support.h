// What the token store tests share: records to store and a revocation
// listener that remembers what it was told.
#ifndef PORTHOLE_TESTS_CONTROLLER_TOKENS_TOKEN_STORE_TEST_SUPPORT_H_
#define PORTHOLE_TESTS_CONTROLLER_TOKENS_TOKEN_STORE_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

inline constexpr char kServerA[] = "b48316c5-71e8-45e4-9884-6c78055b9b13";
inline constexpr char kServerB[] = "6d0c9d43-2a4e-4d8f-9a55-0a2b7c6e1f00";

// A noVNC record for `token` (stored as its hash).
inline ConsoleAuthRecord MakeRecord(const std::string& token,
                                    const std::string& instance_uuid,
                                    int64_t expires) {
  ConsoleAuthRecord record;
  record.token_hash = HashConsoleToken(token);
  record.console_type = "novnc";
  record.host = "192.0.2.10";
  record.port = 5901;
  record.instance_uuid = instance_uuid;
  record.compute_host = "compute-1";
  record.access_url_base = "http://127.0.0.1:6080/vnc_lite.html";
  record.expires = expires;
  return record;
}

// Collects what a revocation listener is told, from any thread.
class RevocationLog {
 public:
  RevocationListener Listener() {
    return [this](const std::vector<RevokedToken>& revoked) {
      absl::MutexLock lock(&mu_);
      for (const RevokedToken& r : revoked) {
        hashes_.push_back(r.token_hash);
        instances_.push_back(r.instance_uuid);
      }
    };
  }
  std::vector<std::string> hashes() {
    absl::MutexLock lock(&mu_);
    return hashes_;
  }
  std::vector<std::string> instances() {
    absl::MutexLock lock(&mu_);
    return instances_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> hashes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> instances_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller

#endif  // PORTHOLE_TESTS_CONTROLLER_TOKENS_TOKEN_STORE_TEST_SUPPORT_H_
