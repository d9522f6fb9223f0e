#ifndef PORTHOLE_CONTROLLER_API_ROUTER_H_
#define PORTHOLE_CONTROLLER_API_ROUTER_H_

#include <optional>
#include <string>
#include <string_view>

namespace porthole::controller {

// A request target split at the first '?'.
struct RequestTarget {
  std::string_view path;
  std::string_view query;  // without the '?'
};
RequestTarget SplitTarget(std::string_view target);

// Where a path lands in Nova's URL map (paste's urlmap): the root versions
// app, the v2.1 API, or the legacy v2 mount (v2.1 code at 2.1, without
// microversion headers).
// `/porthole/v1` is Porthole's own admin API (no microversions).
enum class Mount { kRoot, kV21, kV2, kPorthole };
struct MountMatch {
  Mount mount = Mount::kRoot;
  std::string_view rest;  // the path below /v2.1 or /v2 ("" or "/..."); the
                          // whole path for kRoot
};
MountMatch MatchMount(std::string_view path);

// The routes of the API under a mount, with their parameters
// percent-decoded. Every route also exists below a `/{project_id}` prefix
// matching [0-9a-f-]+.
enum class RouteId {
  kNotFound,         // unrouted path or method: WebOb's bare 404
  kProjectRoot,      // GET /{project_id}[/]: the version document
  kVersionShow,      // GET /versions/{id}
  kServersIndex,     // GET /servers
  kServersDetail,    // GET /servers/detail
  kServerShow,       // GET /servers/{id}
  kServerAction,     // POST /servers/{id}/action
  kRemoteConsoles,   // POST /servers/{id}/remote-consoles
  kRemovedConsoles,  // GET|POST /servers/{id}/consoles[, GET|DELETE /{cid}]
  kConsoleAuthTokenShow,  // GET /os-console-auth-tokens/{token}
  // Under /porthole/v1 (MatchPortholeRoute):
  kConsoleSessionsList,          // GET /console-sessions
  kConsoleSessionDelete,         // DELETE /console-sessions/{id}
  kServerConsoleSessionsDelete,  // DELETE /servers/{id}/console-sessions
};
struct Route {
  RouteId id = RouteId::kNotFound;
  std::optional<std::string> project_id;  // from the URL prefix
  std::string param;  // server id, token or version id, per route
};

// `rest` is MountMatch::rest. One trailing '/' is ignored.
Route MatchRoute(std::string_view method, std::string_view rest);

// The routes below /porthole/v1 (`rest` is MountMatch::rest); no
// project_id prefix.
Route MatchPortholeRoute(std::string_view method, std::string_view rest);

// The route template a request target lands on, for the metrics label
// `route` (bounded: one value per route, never a server id or token):
// "/", "/v2.1/servers/{server_id}/action", "/porthole/v1/console-sessions",
// "other" for a path no route matches (a scanner's probes stay one series).
// The legacy v2 mount is "/v2/...", a project id prefix is dropped.
std::string RouteLabel(std::string_view method, std::string_view target);

// The path as it may be logged: a segment after `os-console-auth-tokens` is
// a console token and becomes "***" (compared after percent-decoding, so an
// encoded spelling is caught too). Cut at `max_length` bytes.
std::string RedactPathForLog(std::string_view path, size_t max_length = 512);

// True for [0-9a-f-]+, Nova's project_id route requirement.
bool IsProjectIdSegment(std::string_view segment);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_ROUTER_H_
