#ifndef PORTHOLE_COMMON_UUID_H_
#define PORTHOLE_COMMON_UUID_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/numeric/int128.h"

namespace porthole {

// UUIDs as Porthole uses them: server ids (libvirt domain UUIDs), console
// tokens and request ids. One formatter and one shape check for all of them.
// Thread-safe.

// A random (version 4, RFC 4122 variant) UUID in lowercase 8-4-4-4-12 form:
// 122 random bits from OpenSSL's CSPRNG. Aborts if the CSPRNG fails, since a
// predictable console token would be worse than no token.
std::string NewUuid4();

// A request id as oslo's request_id middleware makes them: "req-" + a
// lowercase UUID4. The API answers it in x-openstack-request-id, the proxy
// logs one per connection, and both pass it to the agent.
std::string NewRequestId();

// True for the 8-4-4-4-12 hex shape, either case (Nova accepts both).
bool LooksLikeUuid(std::string_view text);

// A UUID as its 128 bits (the 32 hex digits in order), for compact keys;
// nullopt unless LooksLikeUuid(text).
std::optional<absl::uint128> UuidBits(std::string_view text);
// The lowercase 8-4-4-4-12 text of `bits`: UuidText(*UuidBits(u)) is u in
// lowercase.
std::string UuidText(absl::uint128 bits);

// True for the same shape in lowercase only: what NewUuid4 produces, and
// therefore the only shape a console token can have.
bool LooksLikeLowercaseUuid(std::string_view text);

}  // namespace porthole

#endif  // PORTHOLE_COMMON_UUID_H_
