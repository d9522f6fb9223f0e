// RfbClientStream: where ClientInit is in a client's bytes, what the proxy
// makes of its shared-flag, and which client messages are user input.
#include "controller/proxy/rfb_client_stream.h"

#include <string>

#include "gtest/gtest.h"

namespace porthole::controller {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

const std::string kVersion38 = "RFB 003.008\n";
const std::string kVersion33 = "RFB 003.003\n";
const std::string kKeyEvent = Bytes({4, 1, 0, 0, 0, 0, 0, 0x61});
const std::string kPointerEvent = Bytes({5, 0, 0, 10, 0, 20});
const std::string kUpdateRequest = Bytes({3, 1, 0, 0, 0, 0, 3, 32, 2, 88});
const std::string kSetEncodings = Bytes({2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1});

// Feeds `client` and returns what it held (and the bytes as rewritten).
RfbClientStream::ClientBytes Feed(RfbClientStream& s, std::string* client) {
  return s.OnClientBytes(client->data(), client->size());
}

// The client side of RFB 3.8 with security None, up to ClientInit.
RfbClientStream NoneSession(ViewerSharing sharing) {
  RfbClientStream s = RfbClientStream::FromVersion(sharing);
  std::string server = kVersion38 + Bytes({1, 1});
  s.OnServerBytes(server.data(), server.size());
  std::string client = kVersion38 + Bytes({1});
  EXPECT_FALSE(Feed(s, &client).client_init);
  return s;
}

TEST(RfbClientStream, Shared_ExclusiveClientInit_RewrittenTo1) {
  RfbClientStream s = NoneSession(ViewerSharing::kShared);
  std::string init = Bytes({0});
  RfbClientStream::ClientBytes seen = Feed(s, &init);
  EXPECT_TRUE(seen.client_init);
  EXPECT_TRUE(seen.asked_exclusive);
  EXPECT_TRUE(seen.rewritten);
  EXPECT_EQ(init, Bytes({1}));
  EXPECT_FALSE(seen.input);
  EXPECT_TRUE(s.past_client_init());
}

TEST(RfbClientStream, Shared_SharedClientInit_Untouched) {
  RfbClientStream s = NoneSession(ViewerSharing::kShared);
  std::string init = Bytes({1});
  RfbClientStream::ClientBytes seen = Feed(s, &init);
  EXPECT_TRUE(seen.client_init);
  EXPECT_FALSE(seen.rewritten);
  EXPECT_EQ(init, Bytes({1}));
}

TEST(RfbClientStream, Exclusive_SharedClientInit_RewrittenTo0) {
  RfbClientStream s = NoneSession(ViewerSharing::kExclusive);
  std::string init = Bytes({1});
  RfbClientStream::ClientBytes seen = Feed(s, &init);
  EXPECT_TRUE(seen.rewritten);
  EXPECT_FALSE(seen.asked_exclusive);
  EXPECT_EQ(init, Bytes({0}));
}

TEST(RfbClientStream, AllowExclusive_PassesEitherFlag) {
  for (int flag : {0, 1}) {
    RfbClientStream s = NoneSession(ViewerSharing::kAllowExclusive);
    std::string init = Bytes({flag});
    RfbClientStream::ClientBytes seen = Feed(s, &init);
    EXPECT_TRUE(seen.client_init);
    EXPECT_FALSE(seen.rewritten);
    EXPECT_EQ(init, Bytes({flag}));
  }
}

// ClientInit in the same read as what precedes and follows it, and the
// version split across reads: the byte is found wherever it falls.
TEST(RfbClientStream, ClientInitInsideALargerRead_FoundAndRewritten) {
  RfbClientStream s = RfbClientStream::FromVersion(ViewerSharing::kShared);
  std::string server = kVersion38 + Bytes({2, 1, 2});
  s.OnServerBytes(server.data(), server.size());
  std::string first = kVersion38.substr(0, 5);
  EXPECT_FALSE(Feed(s, &first).client_init);
  std::string rest = kVersion38.substr(5) + Bytes({1}) + Bytes({0}) + kKeyEvent;
  RfbClientStream::ClientBytes seen = Feed(s, &rest);
  EXPECT_TRUE(seen.client_init);
  EXPECT_TRUE(seen.rewritten);
  EXPECT_TRUE(seen.input);  // the KeyEvent after it
  EXPECT_EQ(rest[7 + 1], 1);
}

TEST(RfbClientStream, VncAuthentication_ResponseSkipped_ThenClientInit) {
  RfbClientStream s = RfbClientStream::FromVersion(ViewerSharing::kShared);
  std::string client = kVersion38 + Bytes({2}) + std::string(16, '\0');
  EXPECT_FALSE(Feed(s, &client).client_init);
  std::string init = Bytes({0});
  EXPECT_TRUE(Feed(s, &init).rewritten);
}

TEST(RfbClientStream, Rfb33_TypeFromTheServer_ClientInitFound) {
  RfbClientStream s = RfbClientStream::FromVersion(ViewerSharing::kShared);
  std::string server = kVersion33;
  s.OnServerBytes(server.data(), server.size());
  std::string client = kVersion33;
  Feed(s, &client);
  std::string type = Bytes({0, 0, 0, 1});
  s.OnServerBytes(type.data(), type.size());
  std::string init = Bytes({0});
  RfbClientStream::ClientBytes seen = Feed(s, &init);
  EXPECT_TRUE(seen.client_init);
  EXPECT_EQ(init, Bytes({1}));
}

// VeNCrypt between the browser and QEMU: TLS hides the rest. Nothing is
// rewritten and every byte counts as input.
TEST(RfbClientStream, SecurityTypeItCannotFollow_LostEveryByteIsInput) {
  RfbClientStream s = RfbClientStream::FromVersion(ViewerSharing::kShared);
  std::string client = kVersion38 + Bytes({19});
  Feed(s, &client);
  EXPECT_TRUE(s.lost());
  std::string tls = Bytes({0x16, 3, 1, 0, 0});
  const std::string before = tls;
  RfbClientStream::ClientBytes seen = Feed(s, &tls);
  EXPECT_TRUE(seen.input);
  EXPECT_FALSE(seen.client_init);
  EXPECT_EQ(tls, before);
}

TEST(RfbClientStream, UpdateRequestsAndEncodings_AreNotInput) {
  RfbClientStream s = RfbClientStream::FromClientInit(ViewerSharing::kShared);
  std::string init = Bytes({1});
  Feed(s, &init);
  std::string chatter = kSetEncodings + kUpdateRequest + kUpdateRequest;
  EXPECT_FALSE(Feed(s, &chatter).input);
  // One byte at a time as well.
  for (char c : kUpdateRequest + kSetEncodings) {
    std::string one(1, c);
    EXPECT_FALSE(Feed(s, &one).input);
  }
  std::string fence = Bytes({248, 0, 0, 0, 0, 0, 0, 1, 2, 7, 7});
  EXPECT_FALSE(Feed(s, &fence).input);
  EXPECT_FALSE(s.lost());
}

TEST(RfbClientStream, KeysPointerClipboardAndQemuKeys_AreInput) {
  RfbClientStream s = RfbClientStream::FromClientInit(ViewerSharing::kShared);
  std::string init = Bytes({1});
  Feed(s, &init);
  for (const std::string& message :
       {kKeyEvent, kPointerEvent,
        Bytes({6, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c'}),
        Bytes({255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e})}) {
    std::string copy = kUpdateRequest + message + kUpdateRequest;
    EXPECT_TRUE(Feed(s, &copy).input) << int{static_cast<uint8_t>(message[0])};
    std::string after = kUpdateRequest;
    EXPECT_FALSE(Feed(s, &after).input);
  }
  // A pointer event split across reads: its second half is input too.
  std::string head = kPointerEvent.substr(0, 1);
  EXPECT_TRUE(Feed(s, &head).input);
  std::string tail = kPointerEvent.substr(1);
  EXPECT_TRUE(Feed(s, &tail).input);
  EXPECT_FALSE(s.lost());
}

TEST(RfbClientStream, UnknownMessageType_LostFromThenOnAllInput) {
  RfbClientStream s = RfbClientStream::FromClientInit(ViewerSharing::kShared);
  std::string init = Bytes({1});
  Feed(s, &init);
  std::string odd = Bytes({77, 1, 2, 3});
  EXPECT_TRUE(Feed(s, &odd).input);
  EXPECT_TRUE(s.lost());
  std::string more = kUpdateRequest;
  EXPECT_TRUE(Feed(s, &more).input);
}

TEST(ViewerSharing, Names) {
  EXPECT_EQ(ViewerSharingName(ViewerSharing::kShared), "shared");
  EXPECT_EQ(ViewerSharingName(ViewerSharing::kExclusive), "exclusive");
  EXPECT_EQ(ViewerSharingName(ViewerSharing::kAllowExclusive),
            "allow-exclusive");
}

}  // namespace
}  // namespace porthole::controller
