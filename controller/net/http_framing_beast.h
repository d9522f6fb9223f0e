// Internal to the Beast TUs of the controller: RequestFraming from a head
// Beast has parsed (which only then says where the body ends).
#ifndef PORTHOLE_CONTROLLER_NET_HTTP_FRAMING_BEAST_H_
#define PORTHOLE_CONTROLLER_NET_HTTP_FRAMING_BEAST_H_

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>

#include "controller/net/http_framing.h"

namespace porthole::controller::net {

// The views point into `head`, which must outlive the result.
template <class Fields>
RequestFraming FramingOf(const boost::beast::http::header<true, Fields>& head) {
  namespace http = boost::beast::http;
  RequestFraming framing;
  framing.version = head.version();
  for (const auto& field : head) {
    if (field.name() == http::field::transfer_encoding) {
      framing.transfer_encoding.push_back(field.value());
    } else if (field.name() == http::field::content_length) {
      framing.content_length.push_back(field.value());
    }
  }
  return framing;
}

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_HTTP_FRAMING_BEAST_H_
