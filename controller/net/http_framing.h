// How the body of an HTTP/1.1 request is delimited, and which framings the
// controller refuses because two parsers could read them two ways (request
// smuggling). Pure: the Beast TUs fill RequestFraming from a parsed head
// (http_framing_beast.h) and answer the status this returns.
#ifndef PORTHOLE_CONTROLLER_NET_HTTP_FRAMING_H_
#define PORTHOLE_CONTROLLER_NET_HTTP_FRAMING_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace porthole::controller::net {

// The framing fields of one request head, as sent.
struct RequestFraming {
  unsigned version = 11;  // 10: HTTP/1.0, 11: HTTP/1.1
  std::vector<std::string_view> transfer_encoding;  // each field's value
  std::vector<std::string_view> content_length;     // each field's value
};

enum class BodyRule {
  kMayHaveBody,  // the API: a body by Content-Length or chunked
  kNoBody,       // the proxies: GET, HEAD and upgrades carry none
};

// OK when the body's end is unambiguous (RFC 9112 6.1-6.3): no
// Transfer-Encoding, or one whose only coding is `chunked` in HTTP/1.1
// without Content-Length. Beast checks Content-Length values themselves.
// Errors (the server answers and closes the connection, never reads what
// follows as another request):
//   InvalidArgument (400): Transfer-Encoding with Content-Length; in
//     HTTP/1.0; whose final coding is not `chunked` (`xchunked`, `identity`,
//     `chunked, identity`); `chunked` twice; empty; or, with kNoBody, any
//     Transfer-Encoding or a Content-Length other than 0.
//   Unimplemented (501): a coding before `chunked` (`gzip, chunked`): the
//     framing is clear but Porthole decodes no transfer coding but chunked.
absl::Status CheckRequestFraming(const RequestFraming& framing, BodyRule rule);

// The HTTP status for a CheckRequestFraming error: 400 or 501.
int FramingErrorStatus(const absl::Status& status);

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_HTTP_FRAMING_H_
