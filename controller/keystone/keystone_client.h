#ifndef PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_CLIENT_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "controller/auth/principal.h"
#include "controller/keystone/http_client.h"
#include "controller/keystone/keystone_options.h"
#include "controller/keystone/keystone_token.h"
#include "controller/keystone/revocation_event.h"

namespace porthole::controller::keystone {

// Porthole's side of Keystone's v3 token API, as keystonemiddleware does it:
//   - the service token: password login as [keystone_authtoken] username,
//     scoped to project_name (POST /v3/auth/tokens), kept and renewed
//     before it expires, dropped and renewed once when Keystone answers 401
//     to it. A refused login (wrong password, unknown user) is not retried
//     for kLoginHoldoff, so a misconfigured service never hammers Keystone
//     (nor locks its own account out);
//   - each user token: GET /v3/auth/tokens?nocatalog with X-Auth-Token (the
//     service token) and X-Subject-Token (the user's), on the identity
//     endpoint of the service token's catalog ([keystone_authtoken]
//     interface and region_name), else on auth_url;
//   - revocation events: GET /v3/OS-REVOKE/events with the service token.
// Every request is bounded by http_connect_timeout and retried
// http_request_max_retries times when Keystone could not be reached.
// Errors of Validate:
//   UNAUTHENTICATED  Keystone says the token is not valid (404);
//   UNAVAILABLE      Keystone unreachable, 5xx, or Porthole misconfigured
//                    (service login refused, 403: the service user lacks
//                    the role to validate); the message says which, names
//                    the service user, and never holds a token.
// Thread-safe; one login at a time.
class KeystoneClient {
 public:
  static constexpr int64_t kLoginHoldoffSeconds = 10;

  explicit KeystoneClient(KeystoneOptions options, UnixClock clock = nullptr);

  absl::StatusOr<Principal> Validate(std::string_view user_token);

  // Keystone's revocation events (GET /v3/OS-REVOKE/events), all of them:
  // Keystone drops each once the tokens it names have expired. Errors as
  // Validate's UNAVAILABLE.
  absl::StatusOr<std::vector<RevocationEvent>> RevocationEvents();

  // Logs in now unless a fresh service token is held: the daemon's startup
  // check. Errors as Validate's UNAVAILABLE.
  absl::Status CheckServiceLogin();

 private:
  struct ServiceToken {
    std::string token;
    int64_t renew_at = 0;      // unix seconds
    std::string identity_url;  // ".../v3" that validates user tokens
  };

  absl::StatusOr<ServiceToken> CurrentServiceToken();
  // The held token while fresh, the refusal during a holdoff, else none.
  std::optional<absl::StatusOr<ServiceToken>> Known()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<ServiceToken> Login();
  // GET {identity}/v3{path} with the service token (and X-Subject-Token
  // unless empty); a 401 drops the service token and tries once more with
  // a fresh one.
  absl::StatusOr<HttpClientResponse> ServiceGet(
      std::string_view path, const std::string& subject_token);
  void Forget(const std::string& service_token);
  absl::StatusOr<HttpClientResponse> Send(const HttpClientRequest& request);
  std::string ChooseIdentityUrl(const KeystoneToken& token) const;
  std::string ServiceUserText() const;

  const KeystoneOptions options_;
  const std::string auth_url_;  // auth_url as ".../v3"
  const UnixClock clock_;
  HttpClient http_;
  absl::Mutex login_mu_;  // held across a login: one at a time
  absl::Mutex mu_ ABSL_ACQUIRED_AFTER(login_mu_);
  std::optional<ServiceToken> service_ ABSL_GUARDED_BY(mu_);
  int64_t refused_until_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status refusal_ ABSL_GUARDED_BY(mu_);
};

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_CLIENT_H_
