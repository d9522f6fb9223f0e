// Request heads against Beast's parser and the framing rule
// (controller/net/http_framing.h): never a crash, and whenever the rule
// accepts a head, Beast delimits its body the one way the rule promises, so
// no byte after it can be read as another request.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>

#include "controller/net/http_framing.h"
#include "controller/net/http_framing_beast.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  using porthole::controller::net::BodyRule;
  using porthole::controller::net::CheckRequestFraming;
  using porthole::controller::net::FramingOf;
  using porthole::controller::net::RequestFraming;

  http::request_parser<http::empty_body> parser;
  parser.eager(false);  // the head only, as the servers check it
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  const RequestFraming framing = FramingOf(parser.get());
  const bool has_te = !framing.transfer_encoding.empty();
  if (CheckRequestFraming(framing, BodyRule::kMayHaveBody).ok()) {
    // Chunked exactly when a Transfer-Encoding was accepted, and then no
    // Content-Length competes with it.
    if (has_te != parser.chunked()) __builtin_trap();
    if (has_te && parser.content_length().has_value()) __builtin_trap();
  }
  if (CheckRequestFraming(framing, BodyRule::kNoBody).ok()) {
    if (parser.chunked()) __builtin_trap();
    if (parser.content_length().value_or(0) != 0) __builtin_trap();
    if (!parser.is_done()) __builtin_trap();
  }
  return 0;
}
