#ifndef PORTHOLE_CONTROLLER_API_API_CONFIG_H_
#define PORTHOLE_CONTROLLER_API_API_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/rate_limiter.h"
#include "controller/api/microversion.h"
#include "controller/consoles/console_types.h"

namespace porthole::controller {

inline constexpr size_t kDefaultMaxBodyBytes = 64 * 1024;

// What the API core needs from the configuration. Plain data; the daemon
// fills it from its option table (section and key in the comments).
struct ApiConfig {
  // [oslo_middleware] max_request_body_size: larger bodies get 413.
  size_t max_body_bytes = kDefaultMaxBodyBytes;
  // [vnc] [spice] [serial_console] enabled and base URLs, [consoleauth]
  // token_ttl.
  ConsoleOptions consoles;
  // [fleet] default_project_id: the project of domains without Nova
  // metadata. Empty: they belong to no project (admins only).
  std::string default_project_id;
  // The highest microversion claimed (tests may lower it).
  ApiVersion max_version = kMaxApiVersion;
  // [api] compute_link_prefix: scheme://host[:port] for links. Empty:
  // "http://" + the request's Host header.
  std::string compute_link_prefix;
  // [keystone_authtoken] www_authenticate_uri: named in 401 responses.
  std::string www_authenticate_uri;
  // [api] console_urls_per_minute and console_urls_burst: console URLs
  // (remote-consoles and the legacy console actions) one user id may ask
  // for; past them, 429 overLimit with Retry-After. per_minute 0 (the
  // default here; the daemon's is 60, burst 60): no limit.
  RateLimit console_url_limit;
  // Unix seconds for token expiry and the console URL limit; null: the
  // system clock. For tests.
  UnixClock clock;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_API_CONFIG_H_
