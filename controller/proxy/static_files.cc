#include "controller/proxy/static_files.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <optional>
#include <utility>

#include "common/text.h"

namespace porthole::controller {
namespace {

StaticFile Refuse(int status, std::string reason) {
  StaticFile f;
  f.status = status;
  f.reason = std::move(reason);
  return f;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Strict percent-decoding of a path ('+' is a plus): false on a broken
// escape, so "%zz" never reaches the file system in some other form.
bool DecodePath(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

std::optional<std::string> RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return std::nullopt;
  return std::string(buffer);
}

}  // namespace

std::string ContentTypeFor(std::string_view file_name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "application/javascript"},
      {".mjs", "application/javascript"},
      {".css", "text/css"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".wasm", "application/wasm"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".mp3", "audio/mpeg"},
      {".oga", "audio/ogg"},
  };
  size_t dot = file_name.rfind('.');
  size_t slash = file_name.rfind('/');
  if (dot != std::string_view::npos &&
      (slash == std::string_view::npos || dot > slash)) {
    std::string ext = AsciiLower(file_name.substr(dot));
    for (const auto& [suffix, type] : kTypes) {
      if (ext == suffix) return std::string(type);
    }
  }
  return "application/octet-stream";
}

StaticFile ResolveStaticFile(std::string_view web_root,
                             std::string_view target) {
  std::string_view path =
      target.substr(0, std::min(target.size(), target.find_first_of("?#")));
  if (path.starts_with("//")) return Refuse(400, "URI must not start with //");
  if (!path.starts_with("/")) return Refuse(400, "not an absolute path");
  std::string decoded;
  if (!DecodePath(path, &decoded)) return Refuse(400, "bad percent escape");
  if (decoded.find('\0') != std::string::npos) {
    return Refuse(400, "NUL in path");
  }
  std::string relative;
  for (std::string_view segment : Split(decoded, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return Refuse(404, "'..' in path");
    relative.append("/").append(segment);
  }
  if (relative.empty()) return Refuse(404, "directory");
  std::optional<std::string> root = RealPath(std::string(web_root));
  if (!root) return Refuse(404, "web root missing");
  std::optional<std::string> real = RealPath(*root + relative);
  if (!real) return Refuse(404, "no such file");
  const std::string prefix = *root == "/" ? *root : *root + "/";
  if (!real->starts_with(prefix)) {
    return Refuse(404, "resolves outside the web root");
  }
  struct stat st;
  if (stat(real->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Refuse(404, "not a regular file");
  }
  StaticFile f;
  f.status = 200;
  f.path = *real;
  // The type follows the name asked for: a symlink vnc_auto.html -> vnc.html
  // is HTML either way, and this never sniffs content.
  f.content_type = ContentTypeFor(relative);
  return f;
}

}  // namespace porthole::controller
