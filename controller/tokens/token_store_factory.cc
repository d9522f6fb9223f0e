#include "controller/tokens/token_store_factory.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "controller/etcd/etcd_store_options.h"
#include "controller/tokens/etcd_token_store.h"
#include "controller/tokens/sqlite_token_store.h"

namespace porthole::controller {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kRedisScheme = "redis://";
constexpr char kAcceptedForms[] =
    "expected sqlite:///ABSOLUTE/PATH, sqlite://:memory:, "
    "etcd://HOST:PORT[,HOST:PORT...]/PREFIX or etcds://...";

absl::Status BadUrl(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "token store URL '", std::string(url), "': ", std::string(why)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenStore>> OpenTokenStore(
    std::string_view url, const TokenStoreOptions& options) {
  if (url.starts_with(kRedisScheme)) {
    // Debian's hiredis has no TLS and no failover, and Redis replicates
    // asynchronously: a failover can lose a revocation.
    return BadUrl(url, absl::StrCat("Redis is not supported (use etcd); ",
                                    kAcceptedForms));
  }
  if (url.starts_with("etcd://") || url.starts_with("etcds://")) {
    absl::StatusOr<EtcdStoreOptions> etcd = ParseEtcdStoreUrl(url);
    if (!etcd.ok()) return etcd.status();
    etcd->call_timeout = options.timeout;
    etcd->lease_bucket_seconds = options.lease_bucket_seconds;
    absl::StatusOr<std::unique_ptr<EtcdTokenStore>> store =
        EtcdTokenStore::Open(*etcd);
    if (!store.ok()) return store.status();
    return std::unique_ptr<TokenStore>(*std::move(store));
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
