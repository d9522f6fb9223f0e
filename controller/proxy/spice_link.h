// SPICE's link stage, byte by byte, without sockets: what the native
// listener needs to end a SPICE link itself (remote-viewer's side) and to
// start one with QEMU (the console's side). Every connection of a SPICE
// session (one per channel: main, display, inputs, ...) starts with the
// client's SpiceLinkHeader + SpiceLinkMess, the server's header +
// SpiceLinkReply (an error code, a 1024-bit RSA public key, capabilities),
// the client's optional SpiceLinkAuthMechanism and its password encrypted
// with that key (the ticket), and the server's u32 link result. All
// integers are little-endian. The facts are spice-protocol's; see
// controller/proxy/README.md, "Native SPICE".
#ifndef PORTHOLE_CONTROLLER_PROXY_SPICE_LINK_H_
#define PORTHOLE_CONTROLLER_PROXY_SPICE_LINK_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace porthole::controller::spice_link {

inline constexpr size_t kHeaderBytes = 16;  // magic, major, minor, size
// Porthole reads no link body larger than this (spice-gtk's are < 100).
inline constexpr uint32_t kMaxBodyBytes = 4096;
inline constexpr size_t kPublicKeyBytes = 162;  // DER SubjectPublicKeyInfo
inline constexpr size_t kTicketBytes = 128;     // RSA-1024 ciphertext

inline constexpr uint8_t kMainChannel = 1;

// Link results (SPICE_LINK_ERR_*).
enum LinkError : uint32_t {
  kOk = 0,
  kError = 1,
  kInvalidData = 3,
  kVersionMismatch = 4,
  kPermissionDenied = 7,
  kBadConnectionId = 8,
};

// Common capabilities (bit numbers, SPICE_COMMON_CAP_*).
inline constexpr uint32_t kCapAuthSelection = 0;
inline constexpr uint32_t kCapAuthSpice = 1;
inline constexpr uint32_t kCapMiniHeader = 3;
// SpiceLinkAuthMechanism's value for the ticket.
inline constexpr uint32_t kAuthSpice = 1;

// Capability bitmaps: bit N of word N / 32.
using Caps = std::vector<uint32_t>;
bool HasCap(const Caps& caps, uint32_t bit);
Caps CapsOf(std::initializer_list<uint32_t> bits);
Caps Intersect(const Caps& a, const Caps& b);
// The bits of `wanted` missing from `have`.
Caps Missing(const Caps& wanted, const Caps& have);

// SpiceLinkMess.
struct LinkMessage {
  uint32_t connection_id = 0;  // 0: a new session (the main channel)
  uint8_t channel_type = 0;
  uint8_t channel_id = 0;
  Caps common_caps;
  Caps channel_caps;
};

// SpiceLinkReply.
struct LinkReply {
  uint32_t error = kOk;
  std::string public_key;  // kPublicKeyBytes
  Caps common_caps;
  Caps channel_caps;
};

// The size of the body that follows a header, from its kHeaderBytes:
// InvalidArgument for a wrong magic ("REDQ"), FailedPrecondition for a
// major version other than 2, OutOfRange past kMaxBodyBytes.
absl::StatusOr<uint32_t> ParseHeader(std::string_view header);

absl::StatusOr<LinkMessage> ParseLinkMessage(std::string_view body);
absl::StatusOr<LinkReply> ParseLinkReply(std::string_view body);

// Header and body, ready to send.
std::string EncodeLinkMessage(const LinkMessage& message);
std::string EncodeLinkReply(const LinkReply& reply);
std::string EncodeU32(uint32_t value);
uint32_t DecodeU32(std::string_view four_bytes);

// Whether the client sends a SpiceLinkAuthMechanism before its ticket: both
// sides announced kCapAuthSelection.
bool ClientSelectsAuth(const Caps& client_common, const Caps& server_common);

// The session id of SPICE_MSG_MAIN_INIT among the first messages the
// console sends on the main channel after the link (`mini_header`: both
// sides announced kCapMiniHeader; else the full 18-byte data header):
// nullopt while more bytes are needed; NotFound when another message comes
// first beyond a few, InvalidArgument for a message too large.
absl::StatusOr<std::optional<uint32_t>> MainInitSessionId(
    std::string_view console_bytes, bool mini_header);

}  // namespace porthole::controller::spice_link

#endif  // PORTHOLE_CONTROLLER_PROXY_SPICE_LINK_H_
