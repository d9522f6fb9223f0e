// The unmasking fast path against the definition of WebSocket masking (RFC
// 6455 5.3): byte i of the payload XOR key[i % 4], the key position carried
// across the reads one frame is split into.
#include "controller/proxy/beast_mask_fast_path.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace porthole::controller {
namespace {

namespace net = boost::asio;
namespace detail = boost::beast::websocket::detail;
using View = boost::beast::buffers_prefix_view<
    boost::beast::buffers_suffix<net::mutable_buffer>>;

TEST(BeastMaskFastPath, IsOnWithBoost174) {
#if BOOST_VERSION == 107400
  EXPECT_EQ(PORTHOLE_BEAST_MASK_FAST_PATH, 1);
#else
  GTEST_SKIP() << "another Boost: CMake turned the fast path off";
#endif
}

TEST(BeastMaskFastPath, EveryLengthAndSplit_MatchesTheDefinition) {
  std::mt19937 random(7);
  for (size_t length = 0; length <= 70; ++length) {
    for (size_t split = 0; split <= length; split += (length < 20 ? 1 : 7)) {
      std::vector<unsigned char> payload(length + 3);
      for (auto& b : payload) b = static_cast<unsigned char>(random());
      const uint32_t key_value = random();
      detail::prepared_key key;
      detail::prepare_key(key, key_value);
      const detail::prepared_key original = key;
      std::vector<unsigned char> expected = payload;
      // Starts one byte in, so the eight-byte loop also runs unaligned.
      for (size_t i = 0; i < length; ++i) expected[1 + i] ^= original[i % 4];

      boost::beast::buffers_suffix<net::mutable_buffer> rest(
          net::mutable_buffer(payload.data(), payload.size()));
      rest.consume(1);
      // Two reads of one frame: the key goes on where the first one ended.
      detail::mask_inplace(View(split, rest), key);
      rest.consume(split);
      detail::mask_inplace(View(length - split, rest), key);
      ASSERT_EQ(payload, expected) << "length " << length << " split " << split;
    }
  }
}

}  // namespace
}  // namespace porthole::controller
