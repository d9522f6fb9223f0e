#include "controller/api/router.h"

#include <string>
#include <vector>

#include "common/url_encoding.h"

namespace porthole::controller {
namespace {

std::vector<std::string_view> SplitSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path = path.substr(slash + 1);
  }
  return segments;
}

bool PrefixMount(std::string_view path, std::string_view prefix,
                 std::string_view* rest) {
  if (path.substr(0, prefix.size()) != prefix) return false;
  std::string_view after = path.substr(prefix.size());
  if (!after.empty() && after.front() != '/') return false;
  *rest = after;
  return true;
}

}  // namespace

RequestTarget SplitTarget(std::string_view target) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

MountMatch MatchMount(std::string_view path) {
  MountMatch match;
  match.rest = path;
  std::string_view rest;
  if (PrefixMount(path, "/porthole/v1", &rest)) {
    match.mount = Mount::kPorthole;
    match.rest = rest;
  } else if (PrefixMount(path, "/v2.1", &rest)) {
    match.mount = Mount::kV21;
    match.rest = rest;
  } else if (PrefixMount(path, "/v2", &rest)) {
    match.mount = Mount::kV2;
    match.rest = rest;
  }
  return match;
}

bool IsProjectIdSegment(std::string_view segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) {
      return false;
    }
  }
  return true;
}

Route MatchRoute(std::string_view method, std::string_view rest) {
  std::vector<std::string> segments;
  for (std::string_view raw : SplitSegments(rest)) {
    segments.push_back(PercentDecode(raw, /*plus_is_space=*/false));
  }
  if (segments.size() > 1 && segments.back().empty()) segments.pop_back();

  Route route;
  size_t i = 0;
  if (!segments.empty() && IsProjectIdSegment(segments[0])) {
    route.project_id = segments[0];
    i = 1;
  }
  const size_t n = segments.size() - i;
  auto at = [&](size_t k) -> const std::string& { return segments[i + k]; };
  auto routed = [&](RouteId id, std::string param = "") {
    route.id = id;
    route.param = std::move(param);
    return route;
  };
  bool get = method == "GET";
  bool post = method == "POST";

  if (n == 0 || (n == 1 && at(0).empty())) {
    if (route.project_id.has_value() && get) {
      return routed(RouteId::kProjectRoot);
    }
    return Route{};
  }
  if (n == 2 && at(0) == "versions" && !at(1).empty() && get) {
    return routed(RouteId::kVersionShow, at(1));
  }
  if (n == 2 && at(0) == "os-console-auth-tokens" && !at(1).empty() && get) {
    return routed(RouteId::kConsoleAuthTokenShow, at(1));
  }
  if (at(0) != "servers") return Route{};
  if (n == 1) return get ? routed(RouteId::kServersIndex) : Route{};
  if (at(1).empty()) return Route{};
  if (n == 2) {
    if (!get) return Route{};
    if (at(1) == "detail") return routed(RouteId::kServersDetail);
    return routed(RouteId::kServerShow, at(1));
  }
  const std::string& server_id = at(1);
  if (n == 3 && at(2) == "action" && post) {
    return routed(RouteId::kServerAction, server_id);
  }
  if (n == 3 && at(2) == "remote-consoles" && post) {
    return routed(RouteId::kRemoteConsoles, server_id);
  }
  if (n == 3 && at(2) == "consoles" && (get || post)) {
    return routed(RouteId::kRemovedConsoles, server_id);
  }
  if (n == 4 && at(2) == "consoles" && !at(3).empty() &&
      (get || method == "DELETE")) {
    return routed(RouteId::kRemovedConsoles, server_id);
  }
  return Route{};
}

Route MatchPortholeRoute(std::string_view method, std::string_view rest) {
  std::vector<std::string> segments;
  for (std::string_view raw : SplitSegments(rest)) {
    segments.push_back(PercentDecode(raw, /*plus_is_space=*/false));
  }
  if (segments.size() > 1 && segments.back().empty()) segments.pop_back();
  Route route;
  const size_t n = segments.size();
  if (n == 1 && segments[0] == "console-sessions" && method == "GET") {
    route.id = RouteId::kConsoleSessionsList;
  } else if (n == 2 && segments[0] == "console-sessions" &&
             !segments[1].empty() && method == "DELETE") {
    route.id = RouteId::kConsoleSessionDelete;
    route.param = segments[1];
  } else if (n == 3 && segments[0] == "servers" && !segments[1].empty() &&
             segments[2] == "console-sessions" && method == "DELETE") {
    route.id = RouteId::kServerConsoleSessionsDelete;
    route.param = segments[1];
  }
  return route;
}

std::string RedactPathForLog(std::string_view path, size_t max_length) {
  std::string out;
  bool redact_next = false;
  bool first = true;
  for (std::string_view segment : SplitSegments(path)) {
    if (!first || (!path.empty() && path.front() == '/')) out.push_back('/');
    first = false;
    if (redact_next && !segment.empty()) {
      out += "***";
    } else {
      out.append(segment);
    }
    redact_next = PercentDecode(segment, false) == "os-console-auth-tokens";
  }
  if (out.size() > max_length) {
    out.resize(max_length);
    out += "...";
  }
  return out;
}

namespace {

std::string_view RouteTemplate(RouteId id) {
  switch (id) {
    case RouteId::kNotFound:
      return "";
    case RouteId::kProjectRoot:
      return "/";
    case RouteId::kVersionShow:
      return "/versions/{id}";
    case RouteId::kServersIndex:
      return "/servers";
    case RouteId::kServersDetail:
      return "/servers/detail";
    case RouteId::kServerShow:
      return "/servers/{server_id}";
    case RouteId::kServerAction:
      return "/servers/{server_id}/action";
    case RouteId::kRemoteConsoles:
      return "/servers/{server_id}/remote-consoles";
    case RouteId::kRemovedConsoles:
      return "/servers/{server_id}/consoles";
    case RouteId::kConsoleAuthTokenShow:
      return "/os-console-auth-tokens/{token}";
    case RouteId::kConsoleSessionsList:
    case RouteId::kConsoleSessionDelete:
      return "/console-sessions";
    case RouteId::kServerConsoleSessionsDelete:
      return "/servers/{server_id}/console-sessions";
  }
  return "";
}

}  // namespace

std::string RouteLabel(std::string_view method, std::string_view target) {
  const std::string_view path = SplitTarget(target).path;
  if (path == "/") return "/";
  const MountMatch mount = MatchMount(path);
  std::string_view prefix;
  Route route;
  switch (mount.mount) {
    case Mount::kRoot:
      return "other";
    case Mount::kPorthole:
      prefix = "/porthole/v1";
      route = MatchPortholeRoute(method, mount.rest);
      break;
    case Mount::kV21:
      prefix = "/v2.1";
      route = MatchRoute(method, mount.rest);
      break;
    case Mount::kV2:
      prefix = "/v2";
      route = MatchRoute(method, mount.rest);
      break;
  }
  if (mount.rest.empty() || mount.rest == "/") return std::string(prefix);
  const std::string_view tmpl = RouteTemplate(route.id);
  if (tmpl.empty()) return "other";
  if (route.id == RouteId::kConsoleSessionDelete) {
    return std::string(prefix).append(tmpl).append("/{session_id}");
  }
  if (tmpl == "/") return std::string(prefix);
  return std::string(prefix).append(tmpl);
}

}  // namespace porthole::controller
