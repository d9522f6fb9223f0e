#ifndef PORTHOLE_CONTROLLER_PROXY_RFB_CLIENT_STREAM_H_
#define PORTHOLE_CONTROLLER_PROXY_RFB_CLIENT_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace porthole::controller {

// `[vnc] viewer_sharing`: what the proxy does with the shared-flag of a VNC
// client's ClientInit. kShared forces 1 (no viewer can disconnect another),
// kExclusive forces 0 (a new viewer disconnects the others, QEMU's rule for
// shared=0), kAllowExclusive passes the client's flag through.
enum class ViewerSharing { kShared, kExclusive, kAllowExclusive };

// "shared", "exclusive", "allow-exclusive".
std::string_view ViewerSharingName(ViewerSharing sharing);

// Follows an RFB session through the proxy (RFB 3.3, 3.7 and 3.8, RFC 6143)
// to find two things in the client's bytes: the one-byte ClientInit, whose
// shared-flag it rewrites in place under `sharing`, and, after it, which of
// the client's messages are user input (KeyEvent, PointerEvent,
// ClientCutText, QEMU's extended KeyEvent) as opposed to what a viewer sends
// by itself (FramebufferUpdateRequest after every update, SetEncodings,
// fences...): `[console] idle_timeout` counts input only, so a screen that
// keeps changing does not keep a session alive.
//
// The server's bytes are needed for RFB 3.3 only (the server names the
// security type); the caller feeds them before writing them to the client,
// so the stream always knows what the client could have seen. A security
// type other than None or VNC authentication (VeNCrypt, SASL, ... between
// the browser and QEMU) hides what follows: the stream is then `lost`, every
// client byte counts as input (an idle limit never cuts a session it cannot
// read) and the flag is not touched. Pure; not thread-safe (one per
// session, on its executor); a few dozen bytes.
class RfbClientStream {
 public:
  // From the start of the RFB session (the protocol version first).
  static RfbClientStream FromVersion(ViewerSharing sharing);
  // From ClientInit: the proxy ran the security handshake itself
  // (RunVncSecurity), so the client's next byte is ClientInit.
  static RfbClientStream FromClientInit(ViewerSharing sharing);

  // Bytes from the console, in order, before the client gets them.
  void OnServerBytes(const char* data, size_t n);

  // What the client's bytes held.
  struct ClientBytes {
    bool input = false;  // user input, or anything while lost
    // Set on the call that held ClientInit.
    bool client_init = false;
    bool asked_exclusive = false;  // the client's flag was 0
    bool rewritten = false;        // the proxy changed the flag
  };
  // Bytes from the client, in order, before the console gets them; may
  // rewrite ClientInit's byte in `data`.
  ClientBytes OnClientBytes(char* data, size_t n);

  bool lost() const { return phase_ == Phase::kLost; }
  bool past_client_init() const { return phase_ == Phase::kMessages; }

 private:
  enum class Phase {
    kVersion,         // the client's 12-byte ProtocolVersion
    kSecurityChoice,  // 3.7+: the client's one-byte choice
    kAwaitType,       // 3.3: the server names the type
    kVncAuthResponse,
    kClientInit,
    kMessages,
    kLost,
  };

  RfbClientStream(ViewerSharing sharing, Phase phase);
  void AfterSecurityType(uint32_t type);
  // The total length of the message whose first header_len_ bytes are in
  // header_, 0 while more header is needed, -1 for an unknown message.
  int64_t MessageLength() const;
  static bool IsInput(const uint8_t* header);

  ViewerSharing sharing_;
  Phase phase_;
  int minor_ = 8;             // the client's protocol version 3.minor
  uint32_t server_read_ = 0;  // server bytes seen, up to 16
  uint8_t server_head_[16] = {};
  uint32_t skip_ = 0;  // bytes left of the current step or message body
  uint8_t header_[12] = {};
  uint32_t header_len_ = 0;
  bool body_is_input_ = false;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_PROXY_RFB_CLIENT_STREAM_H_
