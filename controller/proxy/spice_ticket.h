// SPICE's ticket: the password a client sends on every channel, encrypted
// with the server's 1024-bit RSA public key (RSA-OAEP with SHA-1, as
// spice-protocol has it). The native listener holds a SpiceTicketKey to
// read remote-viewer's ticket (Porthole's credential) and encrypts the
// console's own (empty) password with QEMU's key on the way in.
#ifndef PORTHOLE_CONTROLLER_PROXY_SPICE_TICKET_H_
#define PORTHOLE_CONTROLLER_PROXY_SPICE_TICKET_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace porthole::controller {

// One RSA-1024 key pair, made at start. Thread-safe: Decrypt is const and
// uses a context of its own per call.
class SpiceTicketKey {
 public:
  static absl::StatusOr<std::unique_ptr<SpiceTicketKey>> Generate();

  SpiceTicketKey(const SpiceTicketKey&) = delete;
  SpiceTicketKey& operator=(const SpiceTicketKey&) = delete;
  ~SpiceTicketKey();

  // DER SubjectPublicKeyInfo, what SpiceLinkReply carries (162 bytes).
  const std::string& public_key() const { return public_key_; }

  // The password in `ticket` (up to its NUL); InvalidArgument when it does
  // not decrypt.
  absl::StatusOr<std::string> Decrypt(std::string_view ticket) const;

 private:
  struct Pkey;
  SpiceTicketKey(std::unique_ptr<Pkey> key, std::string public_key);

  std::unique_ptr<Pkey> key_;
  std::string public_key_;
};

// `password` (and its NUL) encrypted with `public_key` (DER, from a
// SpiceLinkReply): the ticket a SPICE server reads.
absl::StatusOr<std::string> EncryptSpiceTicket(std::string_view public_key,
                                               std::string_view password);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_SPICE_TICKET_H_
