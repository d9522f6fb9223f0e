#include "controller/api/servers_view.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "common/url_encoding.h"
#include "controller/api/policy.h"
#include "controller/api/server_lookup.h"

namespace porthole::controller {
namespace {

Json Links(const RequestContext& context, const std::string& uuid) {
  std::string project =
      context.project_in_url ? context.principal.project_id + "/" : "";
  std::string tail = absl::StrCat(project, "servers/", uuid);
  Json links = Json::array();
  links.push_back({{"rel", "self"},
                   {"href", absl::StrCat(context.link_prefix,
                                         context.mount_path, "/", tail)}});
  links.push_back({{"rel", "bookmark"},
                   {"href", absl::StrCat(context.link_prefix, "/", tail)}});
  return links;
}

Json Brief(const RequestContext& context, const Server& server) {
  Json json;
  json["id"] = server.domain.uuid();
  json["links"] = Links(context, server.domain.uuid());
  json["name"] = ServerName(server);
  return json;
}

Json Detail(const RequestContext& context, const Server& server,
            const ApiServices& services) {
  Json json;
  json["id"] = server.domain.uuid();
  json["name"] = ServerName(server);
  json["status"] = std::string(ServerStatus(server));
  std::string project =
      EffectiveProject(server, services.config.default_project_id);
  json["tenant_id"] = project.empty() ? Json(nullptr) : Json(project);
  json["user_id"] = server.domain.user_id().empty()
                        ? Json(nullptr)
                        : Json(server.domain.user_id());
  json["links"] = Links(context, server.domain.uuid());
  if (context.policy->Allows(
          kExtendedServerAttributesPolicy, context.credentials,
          ServerTarget(server, services.config.default_project_id))) {
    json["OS-EXT-SRV-ATTR:host"] = server.host;
    json["OS-EXT-SRV-ATTR:instance_name"] = server.domain.name();
  }
  return json;
}

struct ListFilter {
  std::optional<std::string> name;  // the last `name` parameter
  bool all_tenants = false;
};

// oslo's bool_from_string(strict=True), which Nova applies to all_tenants.
absl::StatusOr<bool> ParseAllTenants(const std::string& value) {
  // Present but empty means "on", as in Nova.
  if (value.empty()) return true;
  const std::string lowered = AsciiLower(Trim(value));
  for (const char* yes : {"1", "t", "true", "on", "y", "yes"}) {
    if (lowered == yes) return true;
  }
  for (const char* no : {"0", "f", "false", "off", "n", "no"}) {
    if (lowered == no) return false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid input received: Unrecognized value '", value,
                   "', acceptable values are: '0', '1', 'f', 'false', 'n', "
                   "'no', 'off', 'on', 't', 'true', 'y', 'yes'"));
}

// `name` and `all_tenants`; INVALID_ARGUMENT when the query does not decode
// to UTF-8 or all_tenants is not a boolean.
absl::StatusOr<ListFilter> ParseListFilter(std::string_view query) {
  ListFilter filter;
  for (QueryParam& param : ParseQueryString(query)) {
    if (!IsValidUtf8(param.key) || !IsValidUtf8(param.value)) {
      return absl::InvalidArgumentError("Query string is not UTF-8 encoded");
    }
    if (param.key == "name") filter.name = std::move(param.value);
    if (param.key == "all_tenants") {
      absl::StatusOr<bool> all = ParseAllTenants(param.value);
      if (!all.ok()) return all.status();
      filter.all_tenants = *all;
    }
  }
  return filter;
}

// Nova lists the caller's own project, admins included; every project only
// with all_tenants, which only an admin may ask for.
bool Listed(const RequestContext& context, const ListFilter& filter,
            const Server& server, const ApiServices& services) {
  if (filter.all_tenants) return true;  // admin, checked before
  const std::string project =
      EffectiveProject(server, services.config.default_project_id);
  return !project.empty() && project == context.principal.project_id;
}

}  // namespace

std::string ServerName(const Server& server) {
  if (!server.domain.display_name().empty()) {
    return server.domain.display_name();
  }
  return server.domain.name();
}

std::string_view ServerStatus(const Server& server) {
  switch (server.domain.state()) {
    case agent::v1::DOMAIN_STATE_RUNNING:
    case agent::v1::DOMAIN_STATE_BLOCKED:
    case agent::v1::DOMAIN_STATE_SHUTDOWN:  // still running while it stops
      return "ACTIVE";
    case agent::v1::DOMAIN_STATE_PAUSED:
      return "PAUSED";
    case agent::v1::DOMAIN_STATE_SHUTOFF:
      return "SHUTOFF";
    case agent::v1::DOMAIN_STATE_CRASHED:
      return "ERROR";
    case agent::v1::DOMAIN_STATE_PMSUSPENDED:
      return "SUSPENDED";
    default:
      return "UNKNOWN";
  }
}

bool NameMatches(std::string_view name, std::string_view pattern) {
  bool anchor_start = !pattern.empty() && pattern.front() == '^';
  if (anchor_start) pattern.remove_prefix(1);
  bool anchor_end = !pattern.empty() && pattern.back() == '$';
  if (anchor_end) pattern.remove_suffix(1);
  if (anchor_start && anchor_end) return name == pattern;
  if (anchor_start) return name.substr(0, pattern.size()) == pattern;
  if (anchor_end) {
    return name.size() >= pattern.size() &&
           name.substr(name.size() - pattern.size()) == pattern;
  }
  return name.find(pattern) != std::string_view::npos;
}

absl::StatusOr<Json> ListServers(const RequestContext& context, bool detail,
                                 const ApiServices& services) {
  absl::Status allowed =
      Authorize(context, detail ? kServersDetailPolicy : kServersIndexPolicy,
                CallerTarget(context));
  if (!allowed.ok()) return allowed;
  absl::StatusOr<ListFilter> filter = ParseListFilter(context.target.query);
  if (!filter.ok()) return filter.status();
  if (filter->all_tenants) {
    allowed = Authorize(
        context,
        detail ? kServersDetailAllTenantsPolicy : kServersIndexAllTenantsPolicy,
        CallerTarget(context));
    if (!allowed.ok()) return allowed;
  }

  std::vector<Server> visible;
  for (Server& server : services.servers.List()) {
    if (!Listed(context, *filter, server, services)) continue;
    if (filter->name.has_value() &&
        !NameMatches(ServerName(server), *filter->name)) {
      continue;
    }
    visible.push_back(std::move(server));
  }
  std::sort(visible.begin(), visible.end(),
            [](const Server& a, const Server& b) {
              std::string name_a = ServerName(a);
              std::string name_b = ServerName(b);
              if (name_a != name_b) return name_a < name_b;
              return a.domain.uuid() < b.domain.uuid();
            });

  Json servers = Json::array();
  for (const Server& server : visible) {
    servers.push_back(detail ? Detail(context, server, services)
                             : Brief(context, server));
  }
  Json body;
  body["servers"] = std::move(servers);
  return body;
}

absl::StatusOr<Json> ShowServer(const RequestContext& context,
                                std::string_view id,
                                const ApiServices& services) {
  absl::StatusOr<Server> server = FindVisibleServer(context, id, services);
  if (!server.ok()) return server.status();
  absl::Status allowed =
      Authorize(context, kServersShowPolicy,
                ServerTarget(*server, services.config.default_project_id));
  if (!allowed.ok()) return allowed;
  Json body;
  body["server"] = Detail(context, *server, services);
  return body;
}

}  // namespace porthole::controller
