#include "controller/proxy/spice_link.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace porthole::controller::spice_link {
namespace {

constexpr uint32_t kMagic = 0x51444552;  // "REDQ" read as a little-endian u32
constexpr uint32_t kMajor = 2;
constexpr uint32_t kMinor = 2;
constexpr uint32_t kMaxCapWords = 64;
// SpiceLinkMess and SpiceLinkReply up to their capabilities.
constexpr uint32_t kMessageFixedBytes = 18;
constexpr uint32_t kReplyFixedBytes = 4 + kPublicKeyBytes + 12;

constexpr uint16_t kMsgMainInit = 103;
constexpr size_t kMiniHeaderBytes = 6;   // u16 type, u32 size
constexpr size_t kFullHeaderBytes = 18;  // u64 serial, u16, u32, u32
constexpr int kMaxMessagesBeforeInit = 8;
constexpr uint32_t kMaxMessageBytes = 64 * 1024;

uint16_t DecodeU16(std::string_view two) {
  return static_cast<uint16_t>(static_cast<uint8_t>(two[0]) |
                               (static_cast<uint8_t>(two[1]) << 8));
}

void AppendU32(std::string& out, uint32_t value) { out += EncodeU32(value); }

std::string WithHeader(const std::string& body) {
  std::string out;
  AppendU32(out, kMagic);
  AppendU32(out, kMajor);
  AppendU32(out, kMinor);
  AppendU32(out, static_cast<uint32_t>(body.size()));
  return out + body;
}

void AppendCaps(std::string& out, const Caps& common, const Caps& channel) {
  for (uint32_t word : common) AppendU32(out, word);
  for (uint32_t word : channel) AppendU32(out, word);
}

// The two capability arrays the counts and offset at `counts` describe.
absl::Status ParseCaps(std::string_view body, size_t counts, Caps* common,
                       Caps* channel) {
  const uint32_t num_common = DecodeU32(body.substr(counts, 4));
  const uint32_t num_channel = DecodeU32(body.substr(counts + 4, 4));
  const uint32_t offset = DecodeU32(body.substr(counts + 8, 4));
  if (num_common > kMaxCapWords || num_channel > kMaxCapWords ||
      offset > body.size() ||
      (body.size() - offset) / 4 < num_common + num_channel) {
    return absl::InvalidArgumentError("SPICE capabilities out of bounds");
  }
  for (uint32_t i = 0; i < num_common + num_channel; ++i) {
    const uint32_t word = DecodeU32(body.substr(offset + 4 * i, 4));
    (i < num_common ? common : channel)->push_back(word);
  }
  return absl::OkStatus();
}

}  // namespace

bool HasCap(const Caps& caps, uint32_t bit) {
  const size_t word = bit / 32;
  return word < caps.size() && ((caps[word] >> (bit % 32)) & 1u) != 0;
}

Caps CapsOf(std::initializer_list<uint32_t> bits) {
  Caps caps;
  for (uint32_t bit : bits) {
    if (caps.size() <= bit / 32) caps.resize(bit / 32 + 1, 0);
    caps[bit / 32] |= 1u << (bit % 32);
  }
  return caps;
}

Caps Intersect(const Caps& a, const Caps& b) {
  Caps out(std::min(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] & b[i];
  return out;
}

Caps Missing(const Caps& wanted, const Caps& have) {
  Caps out(wanted);
  for (size_t i = 0; i < out.size(); ++i) {
    if (i < have.size()) out[i] &= ~have[i];
  }
  while (!out.empty() && out.back() == 0) out.pop_back();
  return out;
}

std::string EncodeU32(uint32_t value) {
  return {static_cast<char>(value), static_cast<char>(value >> 8),
          static_cast<char>(value >> 16), static_cast<char>(value >> 24)};
}

uint32_t DecodeU32(std::string_view four) {
  const auto* p = reinterpret_cast<const uint8_t*>(four.data());
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) |
         (uint32_t{p[3]} << 24);
}

absl::StatusOr<uint32_t> ParseHeader(std::string_view header) {
  if (header.size() < kHeaderBytes || DecodeU32(header) != kMagic) {
    return absl::InvalidArgumentError("not a SPICE link message");
  }
  if (DecodeU32(header.substr(4)) != kMajor) {
    return absl::FailedPreconditionError(
        absl::StrCat("SPICE protocol version ", DecodeU32(header.substr(4))));
  }
  const uint32_t size = DecodeU32(header.substr(12));
  if (size > kMaxBodyBytes) {
    return absl::OutOfRangeError(
        absl::StrCat("SPICE link message of ", size, " bytes"));
  }
  return size;
}

absl::StatusOr<LinkMessage> ParseLinkMessage(std::string_view body) {
  if (body.size() < kMessageFixedBytes) {
    return absl::InvalidArgumentError("SPICE link message too short");
  }
  LinkMessage m;
  m.connection_id = DecodeU32(body);
  m.channel_type = static_cast<uint8_t>(body[4]);
  m.channel_id = static_cast<uint8_t>(body[5]);
  absl::Status caps = ParseCaps(body, 6, &m.common_caps, &m.channel_caps);
  if (!caps.ok()) return caps;
  return m;
}

absl::StatusOr<LinkReply> ParseLinkReply(std::string_view body) {
  if (body.size() < 4) {
    return absl::InvalidArgumentError("SPICE link reply too short");
  }
  LinkReply r;
  r.error = DecodeU32(body);
  if (r.error != kOk) return r;  // a refusal carries nothing else
  if (body.size() < kReplyFixedBytes) {
    return absl::InvalidArgumentError("SPICE link reply too short");
  }
  r.public_key = std::string(body.substr(4, kPublicKeyBytes));
  absl::Status caps =
      ParseCaps(body, 4 + kPublicKeyBytes, &r.common_caps, &r.channel_caps);
  if (!caps.ok()) return caps;
  return r;
}

std::string EncodeLinkMessage(const LinkMessage& m) {
  std::string body;
  AppendU32(body, m.connection_id);
  body += static_cast<char>(m.channel_type);
  body += static_cast<char>(m.channel_id);
  AppendU32(body, static_cast<uint32_t>(m.common_caps.size()));
  AppendU32(body, static_cast<uint32_t>(m.channel_caps.size()));
  AppendU32(body, kMessageFixedBytes);
  AppendCaps(body, m.common_caps, m.channel_caps);
  return WithHeader(body);
}

std::string EncodeLinkReply(const LinkReply& r) {
  std::string body;
  AppendU32(body, r.error);
  std::string key = r.public_key;
  key.resize(kPublicKeyBytes, '\0');
  body += key;
  AppendU32(body, static_cast<uint32_t>(r.common_caps.size()));
  AppendU32(body, static_cast<uint32_t>(r.channel_caps.size()));
  AppendU32(body, kReplyFixedBytes);
  AppendCaps(body, r.common_caps, r.channel_caps);
  return WithHeader(body);
}

bool ClientSelectsAuth(const Caps& client_common, const Caps& server_common) {
  return HasCap(client_common, kCapAuthSelection) &&
         HasCap(server_common, kCapAuthSelection);
}

absl::StatusOr<std::optional<uint32_t>> MainInitSessionId(
    std::string_view bytes, bool mini_header) {
  const size_t header = mini_header ? kMiniHeaderBytes : kFullHeaderBytes;
  const size_t type_at = mini_header ? 0 : 8;
  for (int seen = 0; seen < kMaxMessagesBeforeInit; ++seen) {
    if (bytes.size() < header) return std::nullopt;
    const uint16_t type = DecodeU16(bytes.substr(type_at, 2));
    const uint32_t size = DecodeU32(bytes.substr(type_at + 2, 4));
    if (size > kMaxMessageBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("SPICE message of ", size, " bytes before MAIN_INIT"));
    }
    if (type == kMsgMainInit) {
      if (size < 4) return absl::InvalidArgumentError("MAIN_INIT too short");
      if (bytes.size() < header + 4) return std::nullopt;
      return DecodeU32(bytes.substr(header, 4));
    }
    if (bytes.size() < header + size) return std::nullopt;
    bytes.remove_prefix(header + size);
  }
  return absl::NotFoundError("no MAIN_INIT among the first messages");
}

}  // namespace porthole::controller::spice_link
