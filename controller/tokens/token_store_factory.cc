#include "controller/tokens/token_store_factory.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "controller/tokens/sqlite_token_store.h"

namespace porthole::controller {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kRedisScheme = "redis://";
constexpr char kAcceptedForms[] =
    "expected sqlite:///ABSOLUTE/PATH or sqlite://:memory:";

absl::Status BadUrl(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "token store URL '", std::string(url), "': ", std::string(why)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenStore>> OpenTokenStore(
    std::string_view url) {
  if (url.starts_with(kRedisScheme)) {
    return absl::UnimplementedError(absl::StrCat(
        "token store URL '", std::string(url),
        "': the Redis token store is not built yet; ", kAcceptedForms));
  }
  if (!url.starts_with(kSqliteScheme)) {
    return BadUrl(url, absl::StrCat("unknown scheme; ", kAcceptedForms));
  }
  std::string path(url.substr(kSqliteScheme.size()));
  if (path != ":memory:") {
    if (path.empty() || path[0] != '/') {
      return BadUrl(
          url, absl::StrCat("the path must be absolute; ", kAcceptedForms));
    }
    if (path.find_first_of("?#") != std::string::npos) {
      return BadUrl(url, "query parameters are not supported");
    }
    // SQLAlchemy spells /var/x as sqlite:////var/x; POSIX leaves the meaning
    // of a leading "//" to the system, so keep a single slash.
    size_t name = path.find_first_not_of('/');
    if (name == std::string::npos) return BadUrl(url, "no file name");
    path.erase(0, name - 1);
  }
  absl::StatusOr<std::unique_ptr<SqliteTokenStore>> store =
      SqliteTokenStore::Open(path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<TokenStore>(std::move(*store));
}

}  // namespace porthole::controller
