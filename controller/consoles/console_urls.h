#ifndef PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_URLS_H_
#define PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_URLS_H_

#include <string>
#include <string_view>

namespace porthole::controller {

// The token-bearing URL a user opens, built from the proxy's base URL.
//
// novnc: noVNC >= 1.1 reads no `token` parameter, only `path` (the WebSocket
// path), so the token travels as `path=%3Ftoken%3D<T>`. An existing `path`
// value in the base keeps its place and gets `?token=<T>` appended (as Nova
// 31.0.0 does: `?path=novnc` -> `?path=novnc%3Ftoken%3D<T>`); other query
// parameters are kept byte for byte.
//
// Every other type: `token=<T>` is appended to the base's query ('?' when
// it has none, '&' when it has one). A `#fragment` stays at the end.
std::string BuildConsoleUrl(std::string_view console_type,
                            std::string_view base_url, std::string_view token);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_CONSOLES_CONSOLE_URLS_H_
