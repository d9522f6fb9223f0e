#ifndef PORTHOLE_CONTROLLER_API_REQUEST_CONTEXT_H_
#define PORTHOLE_CONTROLLER_API_REQUEST_CONTEXT_H_

#include <memory>
#include <string>

#include "controller/api/api_config.h"
#include "controller/api/microversion.h"
#include "controller/api/router.h"
#include "controller/auth/authenticator.h"
#include "controller/consoles/console_issuer.h"
#include "controller/fleet/server_directory.h"
#include "controller/http/http_message.h"
#include "controller/policy/policy_credentials.h"
#include "controller/policy/policy_rule_set.h"
#include "controller/sessions/audit_log.h"
#include "controller/sessions/session_directory.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// One authenticated, routed request as the route handlers see it.
struct RequestContext {
  const HttpRequest& request;
  std::string request_id;  // req-<uuid4>; on every log line of the request
  RequestTarget target;
  std::string link_prefix;  // "http://host:port", no trailing '/'
  std::string mount_path;   // "/v2.1" or "/v2", for self links
  Principal principal;
  // The policy in force when the request came in (one set for the whole
  // request, even across a SIGHUP), and the caller as its rules see it.
  std::shared_ptr<const PolicyRuleSet> policy;
  PolicyCredentials credentials;
  ApiVersion version;
  bool project_in_url = false;  // links then carry the project too
};

// What the handlers work with; owned by ApiHandler.
struct ApiServices {
  const ApiConfig& config;
  ServerDirectory& servers;
  TokenStore& tokens;
  const ConsoleIssuer& issuer;
  SessionDirectory* sessions;  // null: no live sessions here
  AuditLog* audit;             // null: no audit records
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_REQUEST_CONTEXT_H_
