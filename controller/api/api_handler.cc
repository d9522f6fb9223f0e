#include "controller/api/api_handler.h"

#include <strings.h>

#include <chrono>
#include <optional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "controller/api/console_auth_tokens.h"
#include "controller/api/console_output.h"
#include "controller/api/console_sessions.h"
#include "controller/api/json_body.h"
#include "controller/api/microversion.h"
#include "controller/api/nova_error.h"
#include "controller/api/policy.h"
#include "controller/api/remote_consoles.h"
#include "controller/api/request_context.h"
#include "controller/api/router.h"
#include "controller/api/servers_view.h"
#include "controller/api/version_documents.h"

namespace porthole::controller {
namespace {

constexpr size_t kMaxLoggedMethod = 16;

bool IsHostCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
         c == '_' || c == '[' || c == ']';
}

// scheme://host[:port] for links: the configured prefix, else http:// and
// the Host header (Nova, like WebOb, believes Host; anything that could
// not be a host name falls back to localhost).
std::string LinkPrefix(const ApiConfig& config, const HttpRequest& request) {
  if (!config.compute_link_prefix.empty()) {
    std::string prefix = config.compute_link_prefix;
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    return prefix;
  }
  std::string host = request.Header("Host").value_or("");
  bool sane = !host.empty() && host.size() <= 255;
  for (char c : host) sane = sane && IsHostCharacter(c);
  return absl::StrCat("http://", sane ? host : "localhost");
}

// Nova accepts JSON and its vendor type; a missing type, an empty one and
// text/plain (what some servers default to) count as no type at all.
bool IsAcceptedContentType(const HttpRequest& request) {
  std::optional<std::string> header = request.Header("Content-Type");
  if (!header.has_value()) return true;
  std::string_view media = *header;
  media = media.substr(0, media.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
    media.remove_prefix(1);
  }
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.remove_suffix(1);
  }
  auto is = [&](std::string_view type) {
    return media.size() == type.size() &&
           strncasecmp(media.data(), type.data(), type.size()) == 0;
  };
  return media.empty() || is("text/plain") || is("application/json") ||
         is("application/vnd.openstack.compute+json");
}

// The routes that issue console URLs, each a stored token.
bool IssuesConsoleUrls(RouteId route) {
  return route == RouteId::kRemoteConsoles || route == RouteId::kServerAction;
}

// As Nova's rate limiting answered: 429 overLimit, and when to come back.
HttpResponse ConsoleUrlsOverLimit(const RateLimiter::Decision& decision) {
  HttpResponse response = NovaFault(429, "This request was rate-limited.");
  response.AddHeader("Retry-After",
                     std::to_string(decision.retry_after_seconds));
  return response;
}

// Runs a routed, authenticated request from the Content-Type check on.
HttpResponse RunRoute(const RequestContext& context, const Route& route,
                      const ApiServices& services) {
  const HttpRequest& request = context.request;
  if (!IsAcceptedContentType(request)) {
    return NovaFault(415, "Unsupported Content-Type");
  }
  // Nova picks the action from the body, then deserializes it, and only
  // then compares the URL's project_id with the token's.
  std::optional<ServerActionRequest> action;
  Json body;  // null: an empty request body
  if (route.id == RouteId::kServerAction) {
    absl::StatusOr<ServerActionRequest> peeked = PeekServerAction(request.body);
    if (!peeked.ok()) return FaultFromStatus(peeked.status());
    action = *std::move(peeked);
  } else if (route.id == RouteId::kRemoteConsoles && !request.body.empty()) {
    std::optional<Json> parsed = ParseJsonBody(request.body);
    if (!parsed.has_value()) return NovaFault(400, "Malformed request body");
    body = *std::move(parsed);
  }
  if (route.project_id.has_value() &&
      *route.project_id != context.principal.project_id) {
    return NovaFault(400,
                     absl::StrCat("Malformed request URL: URL's project_id '",
                                  *route.project_id,
                                  "' doesn't match Context's project_id '",
                                  context.principal.project_id, "'"));
  }

  const bool legacy_v2 = context.mount_path == "/v2";
  absl::StatusOr<Json> result;
  switch (route.id) {
    case RouteId::kProjectRoot:
      result = VersionDocument(context.link_prefix, services.config.max_version,
                               legacy_v2);
      break;
    case RouteId::kVersionShow:
      if (legacy_v2 || route.param == "v2.0" || route.param == "v2.1") {
        result =
            VersionDocument(context.link_prefix, services.config.max_version,
                            legacy_v2 || route.param == "v2.0");
      } else {
        result = absl::NotFoundError(kResourceNotFoundText);
      }
      break;
    case RouteId::kServersIndex:
      result = ListServers(context, /*detail=*/false, services);
      break;
    case RouteId::kServersDetail:
      result = ListServers(context, /*detail=*/true, services);
      break;
    case RouteId::kServerShow:
      result = ShowServer(context, route.param, services);
      break;
    case RouteId::kServerAction:
      result =
          action->console_output
              ? GetConsoleOutput(context, action->body, route.param, services)
              : RunConsoleAction(context, *action, route.param, services);
      break;
    case RouteId::kRemoteConsoles:
      result = CreateRemoteConsole(context, body, route.param, services);
      break;
    case RouteId::kRemovedConsoles:
      return NovaFault(410, kGoneText);
    case RouteId::kConsoleAuthTokenShow:
      result = ShowConsoleAuthToken(context, route.param, services);
      break;
    case RouteId::kConsoleSessionsList:
      result = ListConsoleSessions(context, services);
      break;
    case RouteId::kConsoleSessionDelete:
    case RouteId::kServerConsoleSessionsDelete: {
      absl::StatusOr<int> ended = 204;
      if (route.id == RouteId::kConsoleSessionDelete) {
        ended = EndConsoleSession(context, route.param, services);
      } else if (absl::Status s =
                     EndServerConsoleSessions(context, route.param, services);
                 !s.ok()) {
        ended = s;
      }
      if (!ended.ok()) return FaultFromStatus(ended.status());
      HttpResponse response;
      response.status = *ended;
      return response;
    }
    case RouteId::kNotFound:
      return WebObNotFound(request);
  }
  if (!result.ok()) return FaultFromStatus(result.status());
  return JsonResponse(*result);
}

}  // namespace

ApiHandler::ApiHandler(ApiConfig config, const Authenticator* authenticator,
                       ServerDirectory* servers, TokenStore* tokens,
                       const PolicyEnforcer* policy, SessionDirectory* sessions,
                       AuditLog* audit)
    : config_(std::move(config)),
      authenticator_(authenticator),
      servers_(servers),
      tokens_(tokens),
      default_policy_(policy == nullptr ? PolicyEnforcer::NovaDefaults()
                                        : nullptr),
      policy_(policy == nullptr ? default_policy_.get() : policy),
      sessions_(sessions),
      audit_(audit),
      issuer_(config_.consoles, tokens, config_.clock),
      console_urls_(std::make_unique<RateLimiter>(config_.console_url_limit)) {}

HttpResponse ApiHandler::Handle(const HttpRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  const std::string request_id = NewRequestId();
  AccessLog log;
  HttpResponse response = Dispatch(request, request_id, &log);
  response.AddHeader("x-openstack-request-id", request_id);
  response.AddHeader("X-Compute-Request-Id", request_id);

  const double millis = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  std::string_view method = request.method;
  LogInfo("api", LogField("request_id", request_id), " ",
          LogField("method", method.substr(0, kMaxLoggedMethod)), " ",
          LogField("path", RedactPathForLog(SplitTarget(request.target).path)),
          " ", LogField("status", std::to_string(response.status)), " ",
          LogField("microversion", log.version.empty() ? "-" : log.version),
          " ", LogField("user", log.user.empty() ? "-" : log.user), " ",
          LogField("peer", request.peer.empty() ? "-" : request.peer), " ",
          LogField("duration_ms", absl::StrFormat("%.1f", millis)));
  return response;
}

HttpResponse ApiHandler::Dispatch(const HttpRequest& request,
                                  const std::string& request_id,
                                  AccessLog* log) const {
  if (request.body.size() > config_.max_body_bytes) {
    return NovaFault(413, "Request is too large.");
  }
  const RequestTarget target = SplitTarget(request.target);
  const std::string link_prefix = LinkPrefix(config_, request);
  if (target.path == "/") {
    return JsonResponse(VersionsDocument(link_prefix, config_.max_version));
  }
  const MountMatch mount = MatchMount(target.path);
  if (mount.mount == Mount::kRoot) {
    return JsonResponse(ChoicesDocument(link_prefix, target.path), 300);
  }

  // The legacy v2 mount ignores the microversion headers, runs at 2.1 and
  // sends none back.
  const bool legacy_v2 = mount.mount == Mount::kV2;
  // Porthole's own API has no microversions either, and sends no headers.
  const bool porthole = mount.mount == Mount::kPorthole;
  VersionNegotiation negotiation;
  if (!legacy_v2 && !porthole) {
    negotiation = NegotiateApiVersion(request.headers, config_.max_version);
  }
  log->version = legacy_v2 ? kMinApiVersion.ToString() : negotiation.echo;
  auto with_version = [&](HttpResponse response) {
    if (!legacy_v2 && !porthole) {
      AddVersionHeaders(negotiation.echo, response);
    }
    return response;
  };
  auto version_fault = [&]() -> std::optional<HttpResponse> {
    switch (negotiation.outcome) {
      case VersionNegotiation::Outcome::kOk:
        return std::nullopt;
      case VersionNegotiation::Outcome::kBadFormat:
        return NovaFault(400, VersionFormatMessage(negotiation.requested));
      case VersionNegotiation::Outcome::kNotAcceptable:
        return with_version(
            NovaFault(406, VersionNotSupportedMessage(negotiation.requested,
                                                      config_.max_version)));
    }
    return std::nullopt;
  };

  // `/v2.1` and `/v2.1/` (and `/v2`): the version document, without auth.
  if (!porthole && (mount.rest.empty() || mount.rest == "/")) {
    if (std::optional<HttpResponse> fault = version_fault()) return *fault;
    if (!IsAcceptedContentType(request)) {
      return with_version(NovaFault(415, "Unsupported Content-Type"));
    }
    return with_version(JsonResponse(
        VersionDocument(link_prefix, config_.max_version, legacy_v2)));
  }

  std::optional<std::string> token = request.Header("X-Auth-Token");
  if (!token.has_value() || token->empty()) {
    return KeystoneUnauthorized(config_.www_authenticate_uri);
  }
  absl::StatusOr<Principal> principal = authenticator_->Authenticate(*token);
  if (!principal.ok()) {
    if (absl::IsUnauthenticated(principal.status())) {
      return KeystoneUnauthorized(config_.www_authenticate_uri);
    }
    // The authenticator has logged why; its message is meant for clients.
    if (absl::IsUnavailable(principal.status())) {
      return FaultFromStatus(principal.status());
    }
    LogError(
        "api", LogField("request_id", request_id),
        " authentication failed: ", std::string(principal.status().message()));
    return NovaFault(500, kUnexpectedErrorText);
  }
  log->user = absl::StrCat(principal->user_id, "/", principal->project_id);

  const Route route = porthole ? MatchPortholeRoute(request.method, mount.rest)
                               : MatchRoute(request.method, mount.rest);
  if (route.id == RouteId::kNotFound) return WebObNotFound(request);
  if (std::optional<HttpResponse> fault = version_fault()) return *fault;
  // Before the body is read: every request to these routes costs a token,
  // as under Nova's rate-limiting middleware, malformed ones included.
  if (IssuesConsoleUrls(route.id)) {
    const absl::Time now =
        config_.clock ? absl::FromUnixSeconds(config_.clock()) : absl::Now();
    RateLimiter::Decision decision =
        console_urls_->Acquire(principal->user_id, now);
    if (!decision.allowed) return with_version(ConsoleUrlsOverLimit(decision));
  }

  std::shared_ptr<const PolicyRuleSet> policy = policy_->Current();
  PolicyCredentials credentials = CredentialsOf(*principal, *policy);
  RequestContext context{
      .request = request,
      .request_id = request_id,
      .target = target,
      .link_prefix = link_prefix,
      .mount_path = legacy_v2 ? "/v2" : "/v2.1",
      .principal = *std::move(principal),
      .policy = std::move(policy),
      .credentials = std::move(credentials),
      .version = legacy_v2 ? kMinApiVersion : negotiation.version,
      .project_in_url = route.project_id.has_value(),
  };
  ApiServices services{config_, *servers_, *tokens_,
                       issuer_, sessions_, audit_};
  return with_version(RunRoute(context, route, services));
}

}  // namespace porthole::controller
