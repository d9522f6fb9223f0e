// How a connection's remote address is written wherever the controller
// shows it (logs, the API's access line, the proxies' Origin check).
#ifndef PORTHOLE_CONTROLLER_NET_PEER_ADDRESS_H_
#define PORTHOLE_CONTROLLER_NET_PEER_ADDRESS_H_

#include <string>
#include <string_view>

namespace porthole::controller::net {

// The address as people and allow-lists expect it: an IPv4 client of a
// dual-stack (`::`) listener arrives as "::ffff:1.2.3.4" and is written
// "1.2.3.4"; IPv6 addresses are written in their canonical short form;
// anything that is not an address comes back unchanged. Pure.
std::string NormalisePeerAddress(std::string_view address);

// The client a per-client limit counts a normalised address as: an IPv4
// address is itself; an IPv6 address counts as its /64 ("2001:db8:1:2::/64"),
// the smallest block one subscriber is given, so rotating through one's own
// addresses does not multiply the limit.
std::string PeerLimitKey(std::string_view address);

}  // namespace porthole::controller::net

#endif  // PORTHOLE_CONTROLLER_NET_PEER_ADDRESS_H_
