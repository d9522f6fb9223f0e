#include "controller/keystone/keystone_client.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"

namespace porthole::controller::keystone {
namespace {

using Json = nlohmann::json;

constexpr int64_t kMaxRenewMarginSeconds = 300;

HttpClientOptions ClientOptions(const KeystoneOptions& k) {
  HttpClientOptions o;
  o.ca_file = k.cafile;
  o.cert_file = k.certfile;
  o.key_file = k.keyfile;
  o.insecure = k.insecure;
  o.timeout = k.http_connect_timeout;
  return o;
}

std::string LoginBody(const KeystoneOptions& k) {
  Json user = {{"name", k.username},
               {"domain", {{"name", k.user_domain_name}}},
               {"password", k.password}};
  Json auth = {
      {"identity", {{"methods", {"password"}}, {"password", {{"user", user}}}}},
      {"scope",
       {{"project",
         {{"name", k.project_name},
          {"domain", {{"name", k.project_domain_name}}}}}}}};
  return Json{{"auth", auth}}.dump();
}

bool HoldsOneOf(const Principal& p, const std::vector<std::string>& roles) {
  return roles.empty() ||
         std::any_of(roles.begin(), roles.end(),
                     [&p](const std::string& role) { return p.HasRole(role); });
}

}  // namespace

KeystoneClient::KeystoneClient(KeystoneOptions options, UnixClock clock)
    : options_(std::move(options)),
      auth_url_(IdentityV3Url(options_.auth_url)),
      clock_(clock ? std::move(clock) : UnixClock(SystemUnixSeconds)),
      http_(ClientOptions(options_)) {}

std::string KeystoneClient::ServiceUserText() const {
  return absl::StrCat("service user '", options_.username, "' (domain ",
                      options_.user_domain_name, ", project ",
                      options_.project_name, ")");
}

absl::StatusOr<HttpClientResponse> KeystoneClient::Send(
    const HttpClientRequest& request) {
  absl::StatusOr<HttpClientResponse> response;
  for (int attempt = 0; attempt <= options_.http_request_max_retries;
       ++attempt) {
    if (attempt > 0) absl::SleepFor(absl::Milliseconds(50));
    response = http_.Send(request);
    if (!absl::IsUnavailable(response.status())) break;
  }
  if (!response.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Keystone unreachable: ", response.status().message()));
  }
  return response;
}

std::string KeystoneClient::ChooseIdentityUrl(
    const KeystoneToken& token) const {
  for (const CatalogEndpoint& e : token.identity_endpoints) {
    if (e.interface != options_.interface || e.url.empty()) continue;
    if (!options_.region_name.empty() && e.region_id != options_.region_name) {
      continue;
    }
    return IdentityV3Url(e.url);
  }
  return auth_url_;
}

absl::StatusOr<KeystoneClient::ServiceToken> KeystoneClient::Login() {
  HttpClientRequest request{.method = "POST",
                            .url = auth_url_ + "/auth/tokens",
                            .headers = {{"Content-Type", "application/json"},
                                        {"Accept", "application/json"}},
                            .body = LoginBody(options_)};
  absl::StatusOr<HttpClientResponse> response = Send(request);
  if (!response.ok()) return response.status();
  if (response->status == 401 || response->status == 404 ||
      response->status == 400) {
    return absl::PermissionDeniedError(absl::StrCat(
        "Keystone at ", auth_url_, " refused the login of Porthole's ",
        ServiceUserText(), " (HTTP ", response->status,
        "): check [keystone_authtoken] username, password, user_domain_name, "
        "project_name and project_domain_name"));
  }
  std::optional<std::string> token = response->Header("X-Subject-Token");
  if (response->status != 201 || !token.has_value() || token->empty()) {
    return absl::UnavailableError(
        absl::StrCat("Keystone at ", auth_url_, " answered HTTP ",
                     response->status, " to the login of ", ServiceUserText()));
  }
  absl::StatusOr<KeystoneToken> parsed = ParseKeystoneToken(response->body);
  if (!parsed.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "Keystone's answer to the service login: ", parsed.status().message()));
  }
  if (!HoldsOneOf(parsed->principal, options_.service_token_roles)) {
    LogError("keystone", "Porthole's ", ServiceUserText(),
             " holds none of [keystone_authtoken] service_token_roles; "
             "Keystone will refuse (403) to validate users' tokens: grant it "
             "the role, e.g. `openstack role add --user ",
             options_.username, " --project ", options_.project_name,
             " service`");
  }
  const int64_t now = clock_();
  const int64_t expires = parsed->principal.expires_at;
  const int64_t margin =
      expires == 0 ? 0 : std::min(kMaxRenewMarginSeconds, (expires - now) / 2);
  ServiceToken service{*std::move(token),
                       expires == 0 ? INT64_MAX : expires - margin,
                       ChooseIdentityUrl(*parsed)};
  LogInfo("keystone", "service login ", LogField("user", options_.username),
          " ", LogField("validates_at", service.identity_url), " ",
          LogField("expires_in_s", std::to_string(expires - now)));
  return service;
}

std::optional<absl::StatusOr<KeystoneClient::ServiceToken>>
KeystoneClient::Known() {
  const int64_t now = clock_();
  if (service_.has_value() && now < service_->renew_at) return *service_;
  if (now < refused_until_) return refusal_;
  return std::nullopt;
}

absl::StatusOr<KeystoneClient::ServiceToken>
KeystoneClient::CurrentServiceToken() {
  {
    absl::MutexLock lock(&mu_);
    if (auto known = Known()) return *known;
  }
  absl::MutexLock login(&login_mu_);
  {
    absl::MutexLock lock(&mu_);  // another thread may have logged in
    if (auto known = Known()) return *known;
  }
  absl::StatusOr<ServiceToken> service = Login();
  absl::MutexLock lock(&mu_);
  if (service.ok()) {
    service_ = *service;
    refused_until_ = 0;
    return service;
  }
  if (absl::IsPermissionDenied(service.status())) {
    refusal_ = absl::UnavailableError(service.status().message());
    refused_until_ = clock_() + kLoginHoldoffSeconds;
    return refusal_;
  }
  return service.status();
}

void KeystoneClient::Forget(const std::string& service_token) {
  absl::MutexLock lock(&mu_);
  if (service_.has_value() && service_->token == service_token) {
    service_.reset();
  }
}

absl::Status KeystoneClient::CheckServiceLogin() {
  return CurrentServiceToken().status();
}

absl::StatusOr<HttpClientResponse> KeystoneClient::ServiceGet(
    std::string_view path, const std::string& subject_token) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<ServiceToken> service = CurrentServiceToken();
    if (!service.ok()) return service.status();
    HttpClientRequest request{.method = "GET",
                              .url = service->identity_url + std::string(path),
                              .headers = {{"X-Auth-Token", service->token},
                                          {"Accept", "application/json"}},
                              .body = ""};
    if (!subject_token.empty()) {
      request.headers.emplace_back("X-Subject-Token", subject_token);
    }
    absl::StatusOr<HttpClientResponse> response = Send(request);
    if (!response.ok()) return response.status();
    if (response->status != 401) return response;
    // Our service token was revoked or expired early: log in again, once.
    Forget(service->token);
  }
  return absl::UnavailableError(
      absl::StrCat("Keystone refused (401) a fresh service token of "
                   "Porthole's ",
                   ServiceUserText()));
}

absl::StatusOr<Principal> KeystoneClient::Validate(
    std::string_view user_token) {
  absl::StatusOr<HttpClientResponse> response =
      ServiceGet("/auth/tokens?nocatalog", std::string(user_token));
  if (!response.ok()) return response.status();
  switch (response->status) {
    case 200: {
      absl::StatusOr<KeystoneToken> token = ParseKeystoneToken(response->body);
      if (!token.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "Keystone's validation answer: ", token.status().message()));
      }
      return token->principal;
    }
    case 404:
      return absl::UnauthenticatedError("Keystone: token not valid");
    case 403:
      return absl::UnavailableError(absl::StrCat(
          "Keystone refused (403) to let Porthole's ", ServiceUserText(),
          " validate tokens: grant it one of [keystone_authtoken] "
          "service_token_roles (a deployment error)"));
    default:
      return absl::UnavailableError(absl::StrCat("Keystone answered HTTP ",
                                                 response->status,
                                                 " to a token validation"));
  }
}

absl::StatusOr<std::vector<RevocationEvent>>
KeystoneClient::RevocationEvents() {
  absl::StatusOr<HttpClientResponse> response =
      ServiceGet("/OS-REVOKE/events", "");
  if (!response.ok()) return response.status();
  if (response->status == 403) {
    return absl::UnavailableError(absl::StrCat(
        "Keystone refused (403) to list revocation events to Porthole's ",
        ServiceUserText(),
        ": grant it the service or admin role (policy "
        "identity:list_revoke_events)"));
  }
  if (response->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("Keystone answered HTTP ", response->status,
                     " to a list of revocation events"));
  }
  absl::StatusOr<std::vector<RevocationEvent>> events =
      ParseRevocationEvents(response->body);
  if (!events.ok()) {
    return absl::UnavailableError(absl::StrCat("Keystone's revocation events: ",
                                               events.status().message()));
  }
  return events;
}

}  // namespace porthole::controller::keystone
