#include "controller/tokens/etcd_token_record.h"

#include <cstdint>
#include <exception>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace porthole::controller {
namespace {

using Json = nlohmann::json;

}  // namespace

std::string EtcdTokenKeys::Token(std::string_view hash) const {
  return absl::StrCat(prefix, "/tokens/", std::string(hash));
}

std::string EtcdTokenKeys::Used(std::string_view hash) const {
  return absl::StrCat(prefix, "/used/", std::string(hash));
}

std::string EtcdTokenKeys::InstancePrefix(std::string_view uuid) const {
  return absl::StrCat(prefix, "/instances/", std::string(uuid), "/");
}

std::string EtcdTokenKeys::InstanceToken(std::string_view uuid,
                                         std::string_view hash) const {
  return absl::StrCat(InstancePrefix(uuid), std::string(hash));
}

std::string EncodeEtcdTokenRecord(const ConsoleAuthRecord& record) {
  Json json;
  json["console_type"] = record.console_type;
  json["host"] = record.host;
  json["port"] = record.port;
  if (record.tls_port.has_value()) json["tls_port"] = *record.tls_port;
  if (record.internal_access_path.has_value()) {
    json["internal_access_path"] = *record.internal_access_path;
  }
  json["instance_uuid"] = record.instance_uuid;
  json["compute_host"] = record.compute_host;
  json["access_url_base"] = record.access_url_base;
  json["expires"] = record.expires;
  json["user_id"] = record.user_id;
  json["project_id"] = record.project_id;
  const RevocationKeys& keys = record.revocation_keys;
  if (keys.issued_at != 0) {
    json["revocation_keys"] = {{"audit_id", keys.audit_id},
                               {"audit_chain_id", keys.audit_chain_id},
                               {"user_domain_id", keys.user_domain_id},
                               {"project_domain_id", keys.project_domain_id},
                               {"issued_at", keys.issued_at}};
  }
  // Strict UTF-8 is not guaranteed for what agents report: replace, never
  // throw.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<ConsoleAuthRecord> DecodeEtcdTokenRecord(
    std::string_view token_hash, std::string_view value) {
  Json json = Json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::DataLossError(absl::StrCat(
        "etcd token record ", std::string(token_hash), " is not JSON"));
  }
  try {
    ConsoleAuthRecord record;
    record.token_hash = std::string(token_hash);
    record.console_type = json.at("console_type").get<std::string>();
    record.host = json.at("host").get<std::string>();
    record.port = json.at("port").get<uint32_t>();
    if (json.contains("tls_port")) {
      record.tls_port = json["tls_port"].get<uint32_t>();
    }
    if (json.contains("internal_access_path")) {
      record.internal_access_path =
          json["internal_access_path"].get<std::string>();
    }
    record.instance_uuid = json.at("instance_uuid").get<std::string>();
    record.compute_host = json.at("compute_host").get<std::string>();
    record.access_url_base = json.at("access_url_base").get<std::string>();
    record.expires = json.at("expires").get<int64_t>();
    // Absent in records written before issue 13: the issuer is unknown.
    record.user_id = json.value("user_id", "");
    record.project_id = json.value("project_id", "");
    // Absent when not issued through Keystone: no revocation event matches.
    if (json.contains("revocation_keys")) {
      const Json& keys = json["revocation_keys"];
      RevocationKeys& out = record.revocation_keys;
      out.audit_id = keys.at("audit_id").get<std::string>();
      out.audit_chain_id = keys.at("audit_chain_id").get<std::string>();
      out.user_domain_id = keys.at("user_domain_id").get<std::string>();
      out.project_domain_id = keys.at("project_domain_id").get<std::string>();
      out.issued_at = keys.at("issued_at").get<int64_t>();
    }
    return record;
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("etcd token record ",
                                            std::string(token_hash),
                                            " is malformed: ", e.what()));
  }
}

}  // namespace porthole::controller
