// Internal to controller/proxy: the plain HTTP answers of the proxies'
// listeners (their web client's files, and the short errors around them),
// as coroutines over the HTTP stream type. ResolveStaticFile decides; this
// writes, within the handshake timeout, only the head for HEAD requests.
#ifndef PORTHOLE_CONTROLLER_PROXY_STATIC_FILE_REPLY_H_
#define PORTHOLE_CONTROLLER_PROXY_STATIC_FILE_REPLY_H_

#include <optional>
#include <string>
#include <string_view>

#include "common/logging.h"
#include "controller/proxy/porthole_vnc_page.h"
#include "controller/proxy/proxy_runtime.h"
#include "controller/proxy/static_files.h"

namespace porthole::controller::proxy_internal {

// Writes a prepared response (only its head for HEAD requests) within the
// handshake timeout. Returns whether the connection may read another request.
template <class Stream, class Body>
asio::awaitable<bool> WriteResponse(const Runtime& rt, Stream& stream,
                                    http::response<Body>& res, bool head) {
  beast::get_lowest_layer(stream).expires_after(
      ToChrono(rt.options->handshake_timeout));
  beast::error_code ec;
  if (head) {
    http::response_serializer<Body> sr{res};
    co_await http::async_write_header(
        stream, sr, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await http::async_write(stream, res,
                               asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return !ec && res.keep_alive();
}

// A plain HTTP answer with a short text body (static file errors).
template <class Stream>
asio::awaitable<bool> WriteSimple(const Runtime& rt, Stream& stream,
                                  unsigned version, http::status status,
                                  std::string_view phrase, bool keep_alive,
                                  bool head) {
  http::response<http::string_body> res{status, version};
  if (!phrase.empty()) res.reason(phrase);
  res.set(http::field::server, "porthole");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (status == http::status::method_not_allowed) {
    res.set(http::field::allow, "GET, HEAD");
  }
  res.body() = std::to_string(static_cast<unsigned>(status)) + " " +
               std::string(phrase.empty() ? res.reason() : phrase) + "\n";
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head) res.body().clear();
  co_return co_await WriteResponse(rt, stream, res, head);
}

// The headers of every client file served.
template <class Body>
void SetPageHeaders(http::response<Body>& res, std::string_view content_type) {
  res.set(http::field::server, "porthole");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  // The page's own URL carries the console token (noVNC's `path`): never
  // send it on as a Referer to anything the page loads or links to.
  res.set("Referrer-Policy", "no-referrer");
}

// GET/HEAD of a client file (Porthole's console page first on the noVNC
// listener). Returns whether to read another request.
template <class Stream>
asio::awaitable<bool> ServeStatic(const Runtime& rt, const Listener& l,
                                  Stream& stream,
                                  const http::request<http::empty_body>& req) {
  const bool keep_alive = req.keep_alive();
  const bool head = req.method() == http::verb::head;
  if (l.config->web_root.empty()) {
    // Nova's serial proxy has no web root: anything but an upgrade is 405.
    co_return co_await WriteSimple(rt, stream, req.version(),
                                   http::status::method_not_allowed, "",
                                   keep_alive, head);
  }
  if (req.method() != http::verb::get && !head) {
    co_return co_await WriteSimple(rt, stream, req.version(),
                                   http::status::method_not_allowed, "",
                                   keep_alive, false);
  }
  if (l.kind == ProxyKind::kNoVnc) {
    if (std::optional<std::string_view> page =
            PortholeVncPageFor(req.target())) {
      http::response<http::string_body> res{http::status::ok, req.version()};
      SetPageHeaders(res, ContentTypeFor(kPortholeVncPagePath));
      res.body() = std::string(*page);
      res.keep_alive(keep_alive);
      res.prepare_payload();
      co_return co_await WriteResponse(rt, stream, res, head);
    }
  }
  StaticFile file = ResolveStaticFile(l.config->web_root, req.target());
  beast::error_code ec;
  http::file_body::value_type body;
  if (file.status == 200) {
    body.open(file.path.c_str(), beast::file_mode::scan, ec);
    if (ec) file = StaticFile{404, "", "", "cannot open"};
  }
  if (file.status != 200) {
    LogDebug(kLog, "static file refused ",
             LogField("listener", ProxyKindName(l.kind)), " ",
             LogField("status", std::to_string(file.status)), " ",
             LogField("why", file.reason));
    co_return co_await WriteSimple(
        rt, stream, req.version(), static_cast<http::status>(file.status),
        file.status == 400 ? std::string_view(file.reason) : "", keep_alive,
        head);
  }
  http::response<http::file_body> res{http::status::ok, req.version()};
  SetPageHeaders(res, file.content_type);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  co_return co_await WriteResponse(rt, stream, res, head);
}

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_STATIC_FILE_REPLY_H_
