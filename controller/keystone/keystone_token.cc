#include "controller/keystone/keystone_token.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/text.h"

namespace porthole::controller::keystone {
namespace {

using Json = nlohmann::json;

// The string at `key` of `object`, or "" when absent or not a string.
std::string StringAt(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const Json& ObjectAt(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() || !it->is_object() ? kNull : *it;
}

std::vector<std::string> RoleNames(const Json& token) {
  std::vector<std::string> roles;
  auto it = token.find("roles");
  if (it == token.end() || !it->is_array()) return roles;
  for (const Json& role : *it) {
    std::string name = StringAt(role, "name");
    if (!name.empty()) roles.push_back(std::move(name));
  }
  return roles;
}

// token.audit_ids: [own] for a token from a login, [own, chain's first]
// for a rescoped one.
void ReadAuditIds(const Json& token, Principal* p) {
  auto it = token.find("audit_ids");
  if (it == token.end() || !it->is_array() || it->empty()) return;
  if (it->front().is_string()) p->audit_id = it->front().get<std::string>();
  if (it->back().is_string()) p->audit_chain_id = it->back().get<std::string>();
}

std::vector<CatalogEndpoint> IdentityEndpoints(const Json& token) {
  std::vector<CatalogEndpoint> endpoints;
  auto catalog = token.find("catalog");
  if (catalog == token.end() || !catalog->is_array()) return endpoints;
  for (const Json& service : *catalog) {
    if (StringAt(service, "type") != "identity") continue;
    auto list = service.find("endpoints");
    if (list == service.end() || !list->is_array()) continue;
    for (const Json& endpoint : *list) {
      endpoints.push_back({StringAt(endpoint, "interface"),
                           StringAt(endpoint, "region_id"),
                           StringAt(endpoint, "url")});
    }
  }
  return endpoints;
}

}  // namespace

absl::StatusOr<int64_t> ParseKeystoneTime(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", ToAbsl(text), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an ISO 8601 UTC time: ", ToAbsl(text)));
  }
  return absl::ToUnixSeconds(time);
}

absl::StatusOr<KeystoneToken> ParseKeystoneToken(std::string_view body) {
  Json document = Json::parse(body.begin(), body.end(), nullptr,
                              /*allow_exceptions=*/false);
  const Json& token = ObjectAt(document, "token");
  if (token.is_null()) {
    return absl::InvalidArgumentError("Keystone's answer has no token object");
  }
  KeystoneToken out;
  Principal& p = out.principal;
  const Json& user = ObjectAt(token, "user");
  p.user_id = StringAt(user, "id");
  if (p.user_id.empty()) {
    return absl::InvalidArgumentError("Keystone's token has no user id");
  }
  p.user_name = StringAt(user, "name");
  p.user_domain_id = StringAt(ObjectAt(user, "domain"), "id");
  const Json& project = ObjectAt(token, "project");
  p.project_id = StringAt(project, "id");
  p.project_name = StringAt(project, "name");
  p.project_domain_id = StringAt(ObjectAt(project, "domain"), "id");
  p.domain_id = StringAt(ObjectAt(token, "domain"), "id");
  const Json& system = ObjectAt(token, "system");
  auto all = system.is_object() ? system.find("all") : system.end();
  p.system_scope = system.is_object() && all != system.end() &&
                   all->is_boolean() && all->get<bool>();
  p.roles = RoleNames(token);
  const std::string expires_at = StringAt(token, "expires_at");
  if (!expires_at.empty()) {
    absl::StatusOr<int64_t> expires = ParseKeystoneTime(expires_at);
    if (!expires.ok()) return expires.status();
    p.expires_at = *expires;
  }
  const std::string issued_at = StringAt(token, "issued_at");
  if (!issued_at.empty()) {
    absl::StatusOr<int64_t> issued = ParseKeystoneTime(issued_at);
    if (!issued.ok()) return issued.status();
    p.issued_at = *issued;
  }
  ReadAuditIds(token, &p);
  out.identity_endpoints = IdentityEndpoints(token);
  return out;
}

}  // namespace porthole::controller::keystone
