#ifndef PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_AUTHENTICATOR_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_AUTHENTICATOR_H_

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "controller/auth/authenticator.h"
#include "controller/keystone/keystone_client.h"
#include "controller/keystone/keystone_options.h"
#include "controller/keystone/token_cache.h"
#include "controller/metrics/controller_metrics.h"

namespace porthole::controller::keystone {

// `[api] auth_strategy = keystone`: a user's X-Auth-Token is checked with
// Keystone (KeystoneClient::Validate) and the answer kept in a TokenCache
// for [keystone_authtoken] token_cache_time. A token that cannot be a
// Keystone token (empty, over kMaxTokenBytes, control characters) is
// UNAUTHENTICATED without asking. An UNAVAILABLE answer is logged once per
// validation with its cause and reaches the client as a generic 503
// message (no Keystone URL, no user name). Runs on the API's worker
// threads. Owns its client and cache; thread-safe.
class KeystoneAuthenticator : public Authenticator {
 public:
  static constexpr size_t kMaxTokenBytes = 8192;

  // INVALID_ARGUMENT when the options miss what keystone needs. With
  // `metrics`, every cache lookup (hit or miss) and every round trip to
  // Keystone (its time and result) is reported there; it must outlive this.
  static absl::StatusOr<std::unique_ptr<KeystoneAuthenticator>> Create(
      const KeystoneOptions& options, const UnixClock& clock = nullptr,
      ControllerMetrics* metrics = nullptr);

  absl::StatusOr<Principal> Authenticate(std::string_view token) const override;

  // The daemon's startup check: logs in as the service user now and logs
  // the outcome (an error naming the user when Keystone refuses it). The
  // daemon serves either way: Keystone may come up, or be fixed, later.
  absl::Status CheckServiceLogin() const;

  // Keystone's revocation events (KeystoneClient::RevocationEvents), with
  // this authenticator's service login.
  absl::StatusOr<std::vector<RevocationEvent>> RevocationEvents() const;

 private:
  KeystoneAuthenticator(const KeystoneOptions& options, const UnixClock& clock,
                        ControllerMetrics* metrics);

  std::unique_ptr<KeystoneClient> client_;
  std::unique_ptr<TokenCache> cache_;
  ControllerMetrics* metrics_;  // may be null
};

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_AUTHENTICATOR_H_
