#include "controller/keystone/revocation_event.h"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>

#include "controller/keystone/keystone_token.h"

namespace porthole::controller::keystone {
namespace {

using Json = nlohmann::json;

// Attributes an event may name (Keystone 22's JSON names) that an issuing
// token never carries here.
constexpr const char* kUnkeptAttributes[] = {
    "role_id", "OS-TRUST:trust_id", "OS-OAUTH1:consumer_id",
    "OS-OAUTH1:access_token_id", "expires_at"};

std::optional<std::string> OptionalString(const Json& event, const char* key) {
  auto it = event.find(key);
  if (it == event.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool Names(const Json& event, const char* key) {
  auto it = event.find(key);
  return it != event.end() && !it->is_null();
}

std::optional<RevocationEvent> ReadEvent(const Json& event) {
  if (!event.is_object()) return std::nullopt;
  std::optional<std::string> issued_before =
      OptionalString(event, "issued_before");
  if (!issued_before) return std::nullopt;
  absl::StatusOr<int64_t> before = ParseKeystoneTime(*issued_before);
  if (!before.ok()) return std::nullopt;
  RevocationEvent out;
  out.issued_before = *before;
  out.user_id = OptionalString(event, "user_id");
  out.project_id = OptionalString(event, "project_id");
  out.domain_id = OptionalString(event, "domain_id");
  out.domain_scope_id = OptionalString(event, "domain_scope_id");
  out.audit_id = OptionalString(event, "audit_id");
  out.audit_chain_id = OptionalString(event, "audit_chain_id");
  out.names_unkept_attribute =
      std::any_of(std::begin(kUnkeptAttributes), std::end(kUnkeptAttributes),
                  [&event](const char* key) { return Names(event, key); });
  return out;
}

bool Matches(const std::optional<std::string>& named, const std::string& has) {
  return !named.has_value() || *named == has;
}

}  // namespace

absl::StatusOr<std::vector<RevocationEvent>> ParseRevocationEvents(
    std::string_view body) {
  Json document = Json::parse(body.begin(), body.end(), nullptr,
                              /*allow_exceptions=*/false);
  if (!document.is_object()) {
    return absl::InvalidArgumentError("revocation events: not a JSON object");
  }
  auto events = document.find("events");
  if (events == document.end() || !events->is_array()) {
    return absl::InvalidArgumentError("revocation events: no events array");
  }
  std::vector<RevocationEvent> out;
  out.reserve(events->size());
  for (const Json& event : *events) {
    if (std::optional<RevocationEvent> read = ReadEvent(event)) {
      out.push_back(*std::move(read));
    }
  }
  return out;
}

bool Revokes(const RevocationEvent& event, const IssuingToken& token) {
  const RevocationKeys& keys = token.keys;
  if (keys.issued_at == 0 || keys.issued_at > event.issued_before) {
    return false;
  }
  if (event.names_unkept_attribute) return false;
  const bool domain_matches = !event.domain_id.has_value() ||
                              *event.domain_id == keys.user_domain_id ||
                              *event.domain_id == keys.project_domain_id;
  return domain_matches &&
         Matches(event.domain_scope_id, keys.project_domain_id) &&
         Matches(event.user_id, token.user_id) &&
         Matches(event.project_id, token.project_id) &&
         Matches(event.audit_id, keys.audit_id) &&
         Matches(event.audit_chain_id, keys.audit_chain_id);
}

}  // namespace porthole::controller::keystone
