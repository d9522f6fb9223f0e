#include "controller/proxy/vencrypt_plain.h"

namespace porthole::controller::vencrypt_plain {
namespace {

uint32_t U32(std::string_view four) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    v = (v << 8) | static_cast<uint8_t>(four[i]);
  }
  return v;
}

void AppendU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

// A reason of `length` bytes at `at` in `message`, if it is all there.
std::string ReasonAt(std::string_view message, size_t at) {
  if (message.size() < at + 4) return "";
  const uint32_t length = U32(message.substr(at, 4));
  if (message.size() - at - 4 != length) return "";
  return std::string(message.substr(at + 4));
}

}  // namespace

bool IsRfb38(std::string_view version) { return version == kRfbVersion; }

uint32_t ParseSubtype(std::string_view four) {
  return four.size() == 4 ? U32(four) : 0;
}

std::optional<PlainLengths> ParsePlainLengths(std::string_view eight) {
  if (eight.size() != 8) return std::nullopt;
  PlainLengths lengths{U32(eight.substr(0, 4)), U32(eight.substr(4, 4))};
  if (lengths.username > kMaxFieldBytes || lengths.password > kMaxFieldBytes) {
    return std::nullopt;
  }
  return lengths;
}

std::string SecurityResultOk() { return std::string(4, '\0'); }

std::string SecurityResultFailed(std::string_view reason) {
  std::string out;
  AppendU32(&out, 1);
  AppendU32(&out, static_cast<uint32_t>(reason.size()));
  out.append(reason);
  return out;
}

std::string FailureReasonOf(std::string_view message) {
  if (!message.empty() && message[0] == '\0') {
    if (std::string reason = ReasonAt(message, 1); !reason.empty()) {
      return reason;
    }
  }
  if (message.size() >= 4 && U32(message.substr(0, 4)) == 1) {
    return ReasonAt(message, 4);
  }
  return "";
}

}  // namespace porthole::controller::vencrypt_plain
