#ifndef PORTHOLE_CONTROLLER_PROXY_TOKEN_SOURCE_H_
#define PORTHOLE_CONTROLLER_PROXY_TOKEN_SOURCE_H_

#include <optional>
#include <string>
#include <string_view>

namespace porthole::controller {

// Finds the console token in a WebSocket upgrade request, trying in order:
//   1. the `token` query parameter (the last non-empty one), as Nova;
//   2. a `token` cookie (noVNC before 1.0), as Nova;
//   3. a `path` query parameter, then a `path` cookie, holding "...?token=T"
//      (noVNC's `path` setting when a client passes the page URL's query on
//      to the WebSocket, and Tempest-style clients).
// `target` is the request target ("/?token=T"); `cookie_header` the Cookie
// header's value ("" when absent). Malformed cookie parts are skipped. The
// path itself never carries the token. Pure; the result is unchecked text.
std::optional<std::string> ExtractConsoleToken(std::string_view target,
                                               std::string_view cookie_header);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_TOKEN_SOURCE_H_
