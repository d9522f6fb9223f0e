// Internal to controller/proxy: a faster client-payload unmasking for
// Boost.Beast 1.74. Included first by proxy_runtime.h, which every proxy TU
// includes, because an explicit specialization must be seen before the read
// operation that uses it is instantiated.
//
// Beast 1.74 unmasks client payload one byte at a time (about 40% of the
// proxy's CPU upstream). The specialization below, for the one buffer type
// the read path of a websocket::stream<...> over a plain or TLS stream
// unmasks, XORs eight bytes at a time with the same result: bytes in order,
// and the key rotated by the length modulo 4 as Beast's own loop leaves it.
// It patches Beast's `detail` namespace, so it is tied to one Boost release:
// CMake defines PORTHOLE_BEAST_MASK_FAST_PATH to 1 for Boost 1.74 and to 0,
// with a configure warning, for any other; a 1 with another Boost fails to
// compile. Tested against Beast's own loop by beast_mask_fast_path_test and
// end to end by the relay tests with odd-sized messages.
#ifndef PORTHOLE_CONTROLLER_PROXY_BEAST_MASK_FAST_PATH_H_
#define PORTHOLE_CONTROLLER_PROXY_BEAST_MASK_FAST_PATH_H_

#include <boost/beast/websocket.hpp>
#include <boost/version.hpp>
#include <cstdint>
#include <cstring>

#if !defined(PORTHOLE_BEAST_MASK_FAST_PATH)
#error "PORTHOLE_BEAST_MASK_FAST_PATH is set by controller/proxy/CMakeLists.txt"
#endif

#if PORTHOLE_BEAST_MASK_FAST_PATH
static_assert(BOOST_VERSION == 107400,
              "the unmasking fast path patches Beast 1.74's "
              "detail::mask_inplace: check it against this Boost's loop, or "
              "let CMake turn it off");

namespace boost::beast::websocket::detail {
template <>
inline void
mask_inplace<buffers_prefix_view<buffers_suffix<net::mutable_buffer>>>(
    buffers_prefix_view<buffers_suffix<net::mutable_buffer>> const& buffers,
    prepared_key& key) {
  for (net::mutable_buffer b : beast::buffers_range_ref(buffers)) {
    auto* p = static_cast<unsigned char*>(b.data());
    const size_t n = b.size();
    const unsigned char k8[8] = {key[0], key[1], key[2], key[3],
                                 key[0], key[1], key[2], key[3]};
    uint64_t word_key;
    std::memcpy(&word_key, k8, 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      word ^= word_key;
      std::memcpy(p + i, &word, 8);
    }
    for (; i < n; ++i) p[i] ^= key[i % 4];
    rol(key, n % 4);
  }
}
}  // namespace boost::beast::websocket::detail
#endif  // PORTHOLE_BEAST_MASK_FAST_PATH

#endif  // PORTHOLE_CONTROLLER_PROXY_BEAST_MASK_FAST_PATH_H_
