#ifndef PORTHOLE_CONTROLLER_PROXY_VENCRYPT_PLAIN_H_
#define PORTHOLE_CONTROLLER_PROXY_VENCRYPT_PLAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The server side of RFB 3.8 with VeNCrypt 0.2 and the X509Plain subtype
// (262: TLS with the server's certificate, then a username and a password),
// as the native listener speaks it to a VNC viewer such as TigerVNC's; the
// password is the one-time xvpvnc credential. Pure: the bytes of each step
// and the checks of what the viewer sends. In order, server first:
//
//   kRfbVersion        -> the viewer's 12-byte version (IsRfb38)
//   kSecurityTypes     -> one byte, the type (must be kVeNCrypt)
//   kVeNCryptVersion   -> two bytes, the viewer's version (must be 0.2)
//   kVeNCryptVersionOk, kSubtypes
//                      -> four bytes, the subtype (ParseSubtype, 262)
//   kSubtypeAccepted, then TLS as the server
//   (in TLS)           <- eight bytes of lengths (ParsePlainLengths), then
//                         the username and the password
//   SecurityResultOk() or SecurityResultFailed(reason)
namespace porthole::controller::vencrypt_plain {

inline constexpr std::string_view kRfbVersion = "RFB 003.008\n";
inline constexpr uint8_t kVeNCrypt = 19;
inline constexpr uint32_t kX509Plain = 262;
inline constexpr std::string_view kSecurityTypes = "\x01\x13";  // {19}
inline constexpr std::string_view kVeNCryptVersion{"\x00\x02", 2};
inline constexpr std::string_view kVeNCryptVersionOk{"\x00", 1};
inline constexpr std::string_view kSubtypes{"\x01\x00\x00\x01\x06", 5};
inline constexpr std::string_view kSubtypeAccepted = "\x01";
// Longer usernames or passwords are refused unread.
inline constexpr uint32_t kMaxFieldBytes = 1024;

// The viewer's ProtocolVersion: RFB 3.8 exactly (VeNCrypt needs 3.7+, and
// only 3.8 has failure reasons).
bool IsRfb38(std::string_view version);

// The subtype a viewer picked (four bytes, big-endian).
uint32_t ParseSubtype(std::string_view four);

struct PlainLengths {
  uint32_t username = 0;
  uint32_t password = 0;
};
// The Plain header (two big-endian u32); nullopt when either is over
// kMaxFieldBytes.
std::optional<PlainLengths> ParsePlainLengths(std::string_view eight);

std::string SecurityResultOk();
// u32 1, then the reason as RFB 3.8 sends it (u32 length + bytes).
std::string SecurityResultFailed(std::string_view reason);

// The reason inside an RFB failure that RfbSecurityHandshake queued for a
// browser (no security types: u8 0 + reason; a failed SecurityResult:
// u32 1 + reason), or "" when `message` is neither.
std::string FailureReasonOf(std::string_view message);

}  // namespace porthole::controller::vencrypt_plain

#endif  // PORTHOLE_CONTROLLER_PROXY_VENCRYPT_PLAIN_H_
