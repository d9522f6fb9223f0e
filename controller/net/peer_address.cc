#include "controller/net/peer_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace porthole::controller::net {

std::string NormalisePeerAddress(std::string_view address) {
  // inet_pton needs a terminated string; a longer one is no address.
  char text[INET6_ADDRSTRLEN] = {};
  if (address.empty() || address.size() >= sizeof text) {
    return std::string(address);
  }
  std::memcpy(text, address.data(), address.size());
  in6_addr v6{};
  if (inet_pton(AF_INET6, text, &v6) != 1) return std::string(address);
  char out[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    in_addr v4{};
    std::memcpy(&v4, &v6.s6_addr[12], sizeof v4);
    if (inet_ntop(AF_INET, &v4, out, sizeof out) == nullptr) {
      return std::string(address);
    }
    return out;
  }
  if (inet_ntop(AF_INET6, &v6, out, sizeof out) == nullptr) {
    return std::string(address);
  }
  return out;
}

std::string PeerLimitKey(std::string_view address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.empty() || address.size() >= sizeof text) {
    return std::string(address);
  }
  std::memcpy(text, address.data(), address.size());
  in6_addr v6{};
  if (inet_pton(AF_INET6, text, &v6) != 1 || IN6_IS_ADDR_V4MAPPED(&v6)) {
    return std::string(address);
  }
  std::memset(&v6.s6_addr[8], 0, 8);
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(AF_INET6, &v6, out, sizeof out) == nullptr) {
    return std::string(address);
  }
  return std::string(out) + "/64";
}

}  // namespace porthole::controller::net
