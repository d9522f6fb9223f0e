#include "controller/proxy/rfb_client_stream.h"

#include <algorithm>
#include <cstdlib>

namespace porthole::controller {
namespace {

// RFC 6143 section 7.5 and the registered extensions QEMU and noVNC use.
constexpr uint8_t kSetPixelFormat = 0;
constexpr uint8_t kSetEncodings = 2;
constexpr uint8_t kFramebufferUpdateRequest = 3;
constexpr uint8_t kKeyEvent = 4;
constexpr uint8_t kPointerEvent = 5;
constexpr uint8_t kClientCutText = 6;
constexpr uint8_t kEnableContinuousUpdates = 150;
constexpr uint8_t kClientFence = 248;
constexpr uint8_t kSetDesktopSize = 251;
constexpr uint8_t kXvp = 252;
constexpr uint8_t kQemu = 255;  // subtype 0: extended KeyEvent, 1: audio

uint32_t Be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

std::string_view ViewerSharingName(ViewerSharing sharing) {
  switch (sharing) {
    case ViewerSharing::kShared:
      return "shared";
    case ViewerSharing::kExclusive:
      return "exclusive";
    case ViewerSharing::kAllowExclusive:
      return "allow-exclusive";
  }
  return "shared";
}

RfbClientStream::RfbClientStream(ViewerSharing sharing, Phase phase)
    : sharing_(sharing), phase_(phase) {}

RfbClientStream RfbClientStream::FromVersion(ViewerSharing sharing) {
  return RfbClientStream(sharing, Phase::kVersion);
}

RfbClientStream RfbClientStream::FromClientInit(ViewerSharing sharing) {
  return RfbClientStream(sharing, Phase::kClientInit);
}

void RfbClientStream::OnServerBytes(const char* data, size_t n) {
  // Only RFB 3.3's security type, after the server's 12-byte version.
  while (n > 0 && server_read_ < sizeof(server_head_)) {
    server_head_[server_read_++] = static_cast<uint8_t>(*data++);
    --n;
  }
  if (phase_ == Phase::kAwaitType && server_read_ == sizeof(server_head_)) {
    AfterSecurityType(Be32(server_head_ + 12));
  }
}

void RfbClientStream::AfterSecurityType(uint32_t type) {
  if (type == 1) {  // None
    phase_ = Phase::kClientInit;
  } else if (type == 2) {  // VNC authentication: a 16-byte response
    phase_ = Phase::kVncAuthResponse;
    skip_ = 16;
  } else {  // a failure, or a type whose bytes the proxy cannot follow
    phase_ = Phase::kLost;
  }
}

int64_t RfbClientStream::MessageLength() const {
  const uint8_t* h = header_;
  switch (h[0]) {
    case kSetPixelFormat:
      return 20;
    case kSetEncodings:
      return header_len_ < 4 ? 0 : 4 + 4 * int64_t{Be16(h + 2)};
    case kFramebufferUpdateRequest:
    case kEnableContinuousUpdates:
      return 10;
    case kKeyEvent:
      return 8;
    case kPointerEvent:
      return 6;
    case kClientCutText: {
      if (header_len_ < 8) return 0;
      // Negative: the extended clipboard's length, as noVNC sends it.
      const auto length = static_cast<int32_t>(Be32(h + 4));
      return 8 + std::abs(int64_t{length});
    }
    case kClientFence:
      return header_len_ < 9 ? 0 : 9 + int64_t{h[8]};
    case kSetDesktopSize:
      return header_len_ < 8 ? 0 : 8 + 16 * int64_t{h[6]};
    case kXvp:
      return 4;
    case kQemu:
      if (header_len_ < 2) return 0;
      if (h[1] == 0) return 12;  // extended KeyEvent
      if (h[1] != 1) return -1;
      if (header_len_ < 4) return 0;
      switch (Be16(h + 2)) {  // audio: enable, disable, set format
        case 0:
        case 1:
          return 4;
        case 2:
          return 10;
        default:
          return -1;
      }
    default:
      return -1;
  }
}

bool RfbClientStream::IsInput(const uint8_t* header) {
  return header[0] == kKeyEvent || header[0] == kPointerEvent ||
         header[0] == kClientCutText || (header[0] == kQemu && header[1] == 0);
}

RfbClientStream::ClientBytes RfbClientStream::OnClientBytes(char* data,
                                                            size_t n) {
  ClientBytes out;
  size_t i = 0;
  while (i < n) {
    switch (phase_) {
      case Phase::kVersion: {
        header_[header_len_++] = static_cast<uint8_t>(data[i++]);
        if (header_len_ < 12) break;
        header_len_ = 0;
        // "RFB 003.008\n": 3.7 and 3.8 let the client choose the security
        // type; anything older (and 3.4/3.6 of some viewers) is 3.3.
        const uint8_t* v = header_;
        auto digit = [](uint8_t c) { return c >= '0' && c <= '9'; };
        if (std::string_view(reinterpret_cast<const char*>(v), 4) != "RFB " ||
            !digit(v[8]) || !digit(v[9]) || !digit(v[10])) {
          phase_ = Phase::kLost;
          break;
        }
        minor_ = (v[8] - '0') * 100 + (v[9] - '0') * 10 + (v[10] - '0');
        if (minor_ >= 7) {
          phase_ = Phase::kSecurityChoice;
        } else {
          phase_ = Phase::kAwaitType;
          if (server_read_ == sizeof(server_head_)) {
            AfterSecurityType(Be32(server_head_ + 12));
          }
        }
        break;
      }
      case Phase::kSecurityChoice:
        AfterSecurityType(static_cast<uint8_t>(data[i++]));
        break;
      case Phase::kAwaitType:
        // A client that speaks before the server named the type: the
        // proxy cannot place ClientInit.
        phase_ = Phase::kLost;
        break;
      case Phase::kVncAuthResponse: {
        const size_t take = std::min<size_t>(skip_, n - i);
        i += take;
        skip_ -= static_cast<uint32_t>(take);
        if (skip_ == 0) phase_ = Phase::kClientInit;
        break;
      }
      case Phase::kClientInit: {
        const auto flag = static_cast<uint8_t>(data[i]);
        uint8_t want = flag;
        if (sharing_ == ViewerSharing::kShared) want = 1;
        if (sharing_ == ViewerSharing::kExclusive) want = 0;
        out.client_init = true;
        out.asked_exclusive = flag == 0;
        if ((want == 0) != (flag == 0)) {
          data[i] = static_cast<char>(want);
          out.rewritten = true;
        }
        ++i;
        phase_ = Phase::kMessages;
        break;
      }
      case Phase::kMessages: {
        if (skip_ > 0) {
          const size_t take = std::min<size_t>(skip_, n - i);
          i += take;
          skip_ -= static_cast<uint32_t>(take);
          out.input = out.input || body_is_input_;
          break;
        }
        header_[header_len_++] = static_cast<uint8_t>(data[i++]);
        const int64_t length = MessageLength();
        if (length < 0) {
          phase_ = Phase::kLost;
          out.input = true;
          break;
        }
        if (length == 0) break;
        body_is_input_ = IsInput(header_);
        out.input = out.input || body_is_input_;
        skip_ = static_cast<uint32_t>(
            std::min<int64_t>(length - header_len_, UINT32_MAX));
        header_len_ = 0;
        break;
      }
      case Phase::kLost:
        out.input = true;
        i = n;
        break;
    }
  }
  return out;
}

}  // namespace porthole::controller
