#include "controller/cluster/shared_session.h"

#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/uuid.h"

namespace porthole::controller {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kSessionScope = "session/";
constexpr std::string_view kServerScope = "server/";

}  // namespace

std::string EncodeSharedSession(const ConsoleSessionSnapshot& session) {
  const ConsoleSessionInfo& s = session.info;
  Json json;
  json["id"] = s.id;
  json["server_id"] = s.server_id;
  json["console_type"] = s.console_type;
  json["user_id"] = s.user_id;
  json["project_id"] = s.project_id;
  json["client_address"] = s.client_address;
  json["origin"] = s.origin;
  json["backend"] = s.backend;
  json["replica"] = s.replica;
  json["started_ns"] = absl::ToUnixNanos(s.started);
  json["bytes_up"] = session.bytes_up;
  json["bytes_down"] = session.bytes_down;
  return json.dump();
}

absl::StatusOr<ConsoleSessionSnapshot> DecodeSharedSession(
    std::string_view value) {
  // nlohmann throws on a wrong type; nothing here may throw further.
  try {
    const Json json = Json::parse(value);
    ConsoleSessionSnapshot out;
    ConsoleSessionInfo& s = out.info;
    s.id = json.at("id").get<std::string>();
    s.server_id = json.at("server_id").get<std::string>();
    s.console_type = json.at("console_type").get<std::string>();
    s.user_id = json.at("user_id").get<std::string>();
    s.project_id = json.at("project_id").get<std::string>();
    s.client_address = json.at("client_address").get<std::string>();
    s.origin = json.at("origin").get<std::string>();
    s.backend = json.at("backend").get<std::string>();
    s.replica = json.at("replica").get<std::string>();
    s.started = absl::FromUnixNanos(json.at("started_ns").get<int64_t>());
    out.bytes_up = json.at("bytes_up").get<uint64_t>();
    out.bytes_down = json.at("bytes_down").get<uint64_t>();
    if (!LooksLikeUuid(s.id)) {
      return absl::InvalidArgumentError("shared session: id is not a UUID");
    }
    return out;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("shared session: ", e.what()));
  }
}

std::string SessionEndKey(const std::string& ends_prefix,
                          const SessionEndRequest& request) {
  return absl::StrCat(
      ends_prefix,
      std::string(request.scope == SessionEndRequest::Scope::kSession
                      ? kSessionScope
                      : kServerScope),
      request.id);
}

absl::StatusOr<SessionEndRequest> ParseSessionEndKey(
    std::string_view ends_prefix, std::string_view key) {
  if (!key.starts_with(ends_prefix)) {
    return absl::InvalidArgumentError("session end: not below the prefix");
  }
  key.remove_prefix(ends_prefix.size());
  SessionEndRequest request;
  if (key.starts_with(kSessionScope)) {
    key.remove_prefix(kSessionScope.size());
  } else if (key.starts_with(kServerScope)) {
    request.scope = SessionEndRequest::Scope::kServer;
    key.remove_prefix(kServerScope.size());
  } else {
    return absl::InvalidArgumentError("session end: unknown scope");
  }
  if (!LooksLikeUuid(key)) {
    return absl::InvalidArgumentError("session end: not a UUID");
  }
  request.id = std::string(key);
  return request;
}

}  // namespace porthole::controller
