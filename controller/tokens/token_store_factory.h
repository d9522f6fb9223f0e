#ifndef PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_FACTORY_H_
#define PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_FACTORY_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// Opens the token store a URL names, as Nova's `connection` option does:
//   sqlite:///var/lib/porthole/tokens.db   an absolute path (SQLAlchemy's
//                                          four-slash form is accepted too)
//   sqlite://:memory:                       private, in memory (tests)
// redis://host:port/db is reserved for the Redis backend (UNIMPLEMENTED for
// now); anything else is INVALID_ARGUMENT naming the accepted forms.
absl::StatusOr<std::unique_ptr<TokenStore>> OpenTokenStore(
    std::string_view url);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_TOKEN_STORE_FACTORY_H_
