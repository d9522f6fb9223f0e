#ifndef PORTHOLE_CONTROLLER_API_API_HANDLER_H_
#define PORTHOLE_CONTROLLER_API_API_HANDLER_H_

#include <memory>
#include <string>

#include "common/rate_limiter.h"
#include "controller/api/api_config.h"
#include "controller/auth/authenticator.h"
#include "controller/consoles/console_issuer.h"
#include "controller/fleet/server_directory.h"
#include "controller/http/http_message.h"
#include "controller/policy/policy_enforcer.h"
#include "controller/sessions/audit_log.h"
#include "controller/sessions/session_directory.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// The Nova-compatible console API as a pure function: HttpRequest in,
// HttpResponse out, no sockets. It runs the layers of a Nova deployment in
// Nova's order:
//   1. body size (413 overLimit), then the URL map: `/` versions, `/v2.1`
//      and `/v2` (legacy, always 2.1, no version headers), anything else
//      300 choices;
//   2. `/v2.1` and `/v2.1/`: the version document, no auth;
//   3. X-Auth-Token (keystonemiddleware's 401; 503 serviceUnavailable when
//      the authenticator cannot check it now), routing (WebOb's bare 404);
//   4. microversion (400 format, 406 range), the console URL limit per
//      user (429 overLimit with Retry-After, console routes only),
//      Content-Type (415), body and action dispatch (400), the URL's
//      project_id (400), then the route.
// Every response carries `x-openstack-request-id` / `X-Compute-Request-Id`
// (req-<uuid4>); every routed v2.1 response, faults included, carries the
// microversion headers. One access-log line per request, with the path
// only (no query) and console tokens redacted.
//
// Policy: each authenticated request takes the enforcer's current rule set
// once and is decided by it (controller/policy/, Nova's defaults unless an
// operator's file overrides them).
//
// Porthole's admin API (`/porthole/v1`, console_sessions.h) shares the
// authentication and Nova's error bodies, without microversions.
//
// Holds its config, the console URL limiter and the pointers it was given,
// which must outlive it; without `policy`, its own Nova-defaults enforcer.
// Handle() is thread-safe as long as the authenticator, directory, store and
// enforcer are (they all are).
class ApiHandler {
 public:
  ApiHandler(ApiConfig config, const Authenticator* authenticator,
             ServerDirectory* servers, TokenStore* tokens,
             const PolicyEnforcer* policy = nullptr,
             SessionDirectory* sessions = nullptr, AuditLog* audit = nullptr);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  // What the access-log line reports besides the response.
  struct AccessLog {
    std::string user;     // "user_id/project_id" once authenticated
    std::string version;  // the microversion the request ran at
  };

  HttpResponse Dispatch(const HttpRequest& request,
                        const std::string& request_id, AccessLog* log) const;

  ApiConfig config_;
  const Authenticator* authenticator_;
  ServerDirectory* servers_;
  TokenStore* tokens_;
  std::unique_ptr<PolicyEnforcer> default_policy_;  // when none was given
  const PolicyEnforcer* policy_;
  SessionDirectory* sessions_;  // /porthole/v1; null: none here
  AuditLog* audit_;             // null: no audit records
  ConsoleIssuer issuer_;
  // Behind a pointer: Handle() is const, the buckets change.
  std::unique_ptr<RateLimiter> console_urls_;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_API_HANDLER_H_
