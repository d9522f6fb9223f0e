#ifndef PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_FACTORY_H_
#define PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_FACTORY_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// What the URL does not say ([consoleauth] store_timeout).
struct TokenStoreOptions {
  // etcd: the bound of every call, retries included.
  absl::Duration timeout = absl::Seconds(2);
  // etcd: tokens expiring within one bucket share a lease.
  int64_t lease_bucket_seconds = 60;
};

// Opens the token store a URL names, as Nova's `connection` option does:
//   sqlite:///var/lib/porthole/tokens.db   an absolute path (SQLAlchemy's
//                                          four-slash form is accepted too)
//   sqlite://:memory:                       private, in memory (tests)
//   etcd://h1:2379,h2:2379,h3:2379/PREFIX   etcd v3, shared by replicas
//   etcds://...?cert=F&key=F&ca=F           the same over (mutual) TLS
// Anything else (redis:// included: see controller/tokens/README.md) is
// INVALID_ARGUMENT naming the accepted forms.
absl::StatusOr<std::unique_ptr<TokenStore>> OpenTokenStore(
    std::string_view url, const TokenStoreOptions& options = {});

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_FACTORY_H_
