// Internal to controller/proxy: the moves of SPICE's link stage on
// streams, for both sides the native listener speaks (native_spice.cc):
// reading a link message or reply, the client's ticket under Porthole's
// key, the console's link started and finished (an empty password under
// QEMU's key), QEMU's main-channel messages up to MAIN_INIT, and a deadline
// on the console's socket while it links.
#ifndef PORTHOLE_CONTROLLER_PROXY_SPICE_LINK_IO_H_
#define PORTHOLE_CONTROLLER_PROXY_SPICE_LINK_IO_H_

// clang-format off
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange
// clang-format on

#include <array>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "controller/proxy/handshake_deadline.h"
#include "controller/proxy/native_admission.h"
#include "controller/proxy/spice_link.h"
#include "controller/proxy/spice_ticket.h"

namespace porthole::controller::proxy_internal {

namespace sl = spice_link;

// Reads until `have` holds `n` bytes.
template <class Stream>
asio::awaitable<bool> ReadUpTo(Stream& stream, std::string& have, size_t n) {
  if (have.size() >= n) co_return true;
  std::string more;
  if (!co_await ReadExactly(stream, n - have.size(), more)) co_return false;
  have += more;
  co_return true;
}

// A link header and body from `stream` (`have` holds their start): the
// body, or nullopt with the reason in `why`.
template <class Stream>
asio::awaitable<std::optional<std::string>> ReadLinkBody(Stream& stream,
                                                         std::string have,
                                                         std::string* why) {
  if (!co_await ReadUpTo(stream, have, sl::kHeaderBytes)) {
    *why = "no SPICE link header";
    co_return std::nullopt;
  }
  absl::StatusOr<uint32_t> size = sl::ParseHeader(have);
  if (!size.ok()) {
    *why = std::string(size.status().message());
    co_return std::nullopt;
  }
  if (!co_await ReadUpTo(stream, have, sl::kHeaderBytes + *size)) {
    *why = "SPICE link message cut short";
    co_return std::nullopt;
  }
  co_return have.substr(sl::kHeaderBytes, *size);
}

// The client's password: its auth mechanism first when `selects`, then the
// ticket, decrypted with Porthole's key.
inline asio::awaitable<std::optional<std::string>> ReadTicket(
    const Runtime& rt, TlsStream& stream, bool selects, std::string* why) {
  std::string bytes;
  if (selects) {
    if (!co_await ReadExactly(stream, 4, bytes)) {
      *why = "no auth mechanism";
      co_return std::nullopt;
    }
    if (sl::DecodeU32(bytes) != sl::kAuthSpice) {
      *why = absl::StrCat("auth mechanism ", sl::DecodeU32(bytes),
                          " (only SPICE's ticket)");
      co_return std::nullopt;
    }
  }
  if (!co_await ReadExactly(stream, sl::kTicketBytes, bytes)) {
    *why = "no ticket";
    co_return std::nullopt;
  }
  absl::StatusOr<std::string> password = rt.spice_ticket_key->Decrypt(bytes);
  if (!password.ok()) {
    *why = std::string(password.status().message());
    co_return std::nullopt;
  }
  co_return *password;
}

inline asio::awaitable<void> WriteResult(TlsStream& stream, uint32_t result) {
  const std::string bytes = sl::EncodeU32(result);
  co_await WriteAll(stream, bytes);
}

inline asio::awaitable<void> WriteReplyError(TlsStream& stream,
                                             uint32_t error) {
  sl::LinkReply reply;
  reply.error = error;
  const std::string bytes = sl::EncodeLinkReply(reply);
  co_await WriteAll(stream, bytes);
}

// The console's side of a link: `link` sent, its reply read. A reply with
// an error is returned as such; nullopt when the console left (`why`).
template <class Backend>
asio::awaitable<std::optional<sl::LinkReply>> StartConsoleLink(
    Backend& backend, const sl::LinkMessage& link, std::string* why) {
  const std::string message = sl::EncodeLinkMessage(link);
  if (!co_await WriteAll(backend, message)) {
    *why = "console closed before the link";
    co_return std::nullopt;
  }
  std::optional<std::string> body =
      co_await ReadLinkBody(backend, std::string(), why);
  if (!body) co_return std::nullopt;
  absl::StatusOr<sl::LinkReply> reply = sl::ParseLinkReply(*body);
  if (!reply.ok()) {
    *why = std::string(reply.status().message());
    co_return std::nullopt;
  }
  co_return *reply;
}

// The rest of the console's link: its auth mechanism, an empty password
// under its key (QEMU's consoles have no ticket of their own), its result.
template <class Backend>
asio::awaitable<uint32_t> FinishConsoleLink(Backend& backend,
                                            const sl::Caps& sent_common,
                                            const sl::LinkReply& reply,
                                            std::string* why) {
  std::string bytes;
  if (sl::ClientSelectsAuth(sent_common, reply.common_caps)) {
    bytes = sl::EncodeU32(sl::kAuthSpice);
  }
  absl::StatusOr<std::string> ticket = EncryptSpiceTicket(reply.public_key, "");
  if (!ticket.ok()) {
    *why = std::string(ticket.status().message());
    co_return sl::kError;
  }
  bytes += *ticket;
  if (!co_await WriteAll(backend, bytes) ||
      !co_await ReadExactly(backend, 4, bytes)) {
    *why = "console closed during the link";
    co_return sl::kError;
  }
  const uint32_t result = sl::DecodeU32(bytes);
  if (result != sl::kOk) {
    *why = absl::StrCat("console's link result ", result);
  }
  co_return result;
}

// The console's first main-channel messages up to MAIN_INIT: the bytes,
// and the session id in `*session`.
template <class Backend>
asio::awaitable<std::optional<std::string>> ReadUntilMainInit(
    Backend& backend, bool mini_header, uint32_t* session, std::string* why) {
  std::string bytes;
  std::array<char, 4096> buffer;
  while (true) {
    absl::StatusOr<std::optional<uint32_t>> id =
        sl::MainInitSessionId(bytes, mini_header);
    if (!id.ok()) {
      *why = std::string(id.status().message());
      co_return std::nullopt;
    }
    if (id->has_value()) {
      *session = **id;
      co_return bytes;
    }
    beast::error_code ec;
    const size_t n = co_await backend.async_read_some(
        asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      *why = absl::StrCat("console before MAIN_INIT: ", ec.message());
      co_return std::nullopt;
    }
    bytes.append(buffer.data(), n);
  }
}

// A deadline on the console's socket for the link stage.
class ConsoleLinkDeadline {
 public:
  template <class Backend>
  ConsoleLinkDeadline(Backend& backend, absl::Duration timeout)
      : timer_(backend.get_executor()),
        deadline_(ArmHandshakeDeadline(timer_, timeout,
                                       &beast::get_lowest_layer(backend))) {}
  ~ConsoleLinkDeadline() {
    deadline_->Finish();
    timer_.cancel();
  }
  ConsoleLinkDeadline(const ConsoleLinkDeadline&) = delete;
  ConsoleLinkDeadline& operator=(const ConsoleLinkDeadline&) = delete;

 private:
  asio::steady_timer timer_;
  std::shared_ptr<HandshakeDeadline> deadline_;
};

}  // namespace porthole::controller::proxy_internal

#endif  // PORTHOLE_CONTROLLER_PROXY_SPICE_LINK_IO_H_
