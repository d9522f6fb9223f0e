#ifndef PORTHOLE_CONTROLLER_PROXY_STATIC_FILES_H_
#define PORTHOLE_CONTROLLER_PROXY_STATIC_FILES_H_

#include <string>
#include <string_view>

namespace porthole::controller {

// What to answer for a plain GET of a client file.
struct StaticFile {
  int status = 404;          // 200, 400 or 404
  std::string path;          // the real path to send when status is 200
  std::string content_type;  // for 200
  std::string reason;        // for 400/404 logs: why
};

// Maps a request target to a regular file under `web_root`, refusing what
// must never be served: a target starting with "//" (400, the open
// redirect of Nova bug 1927677), malformed escapes or NUL (400), any ".."
// segment, directories (no listings, no index pages), and anything whose
// real path (symlinks resolved) leaves the real web root (404). Symlinks
// inside the root are fine (Debian's vnc_auto.html -> vnc.html). Reads the
// file system (realpath, stat) but opens nothing; the caller opens `path`.
StaticFile ResolveStaticFile(std::string_view web_root,
                             std::string_view target);

// The Content-Type for a file name by its extension ("text/html;
// charset=utf-8", "application/javascript", ...); application/octet-stream
// for unknown ones.
std::string ContentTypeFor(std::string_view file_name);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_STATIC_FILES_H_
