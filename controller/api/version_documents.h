#ifndef PORTHOLE_CONTROLLER_API_VERSION_DOCUMENTS_H_
#define PORTHOLE_CONTROLLER_API_VERSION_DOCUMENTS_H_

#include <string_view>

#include "controller/api/json_body.h"
#include "controller/api/microversion.h"

namespace porthole::controller {

// Nova's version discovery documents (spec 2.4). `link_prefix` is
// "scheme://host[:port]" without a trailing '/'.

// GET /: {"versions": [v2.0, v2.1]} (sorted by id).
Json VersionsDocument(std::string_view link_prefix, ApiVersion max);

// GET /v2.1 (`v2_0` false) or GET /v2 (`v2_0` true): {"version": {...}}
// with links and media-types.
Json VersionDocument(std::string_view link_prefix, ApiVersion max, bool v2_0);

// Any other path on the root app: 300 {"choices": [...]}, each version's
// self link pointing at the same path below it.
Json ChoicesDocument(std::string_view link_prefix, std::string_view path);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_VERSION_DOCUMENTS_H_
