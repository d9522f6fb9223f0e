#ifndef PORTHOLE_CONTROLLER_FLEET_HOST_ASSIGNMENT_H_
#define PORTHOLE_CONTROLLER_FLEET_HOST_ASSIGNMENT_H_

#include <string>
#include <string_view>
#include <vector>

namespace porthole::controller {

// Which controller replica follows which compute host, by rendezvous
// (highest random weight) hashing: each (host, replica) pair gets a weight
// from SHA-256, the same in every process, and the host goes to the replica
// with the highest. Every replica computes the same answer from the same
// member list, with no coordination, and a change of members moves only the
// hosts it must: a replica that leaves hands over its hosts alone, spread
// over the others; one that joins takes about 1/N of the hosts, from all.
// Pure; thread-safe.

// The replica that owns `host` among `replicas` (names, in any order, no
// duplicates); empty when there is none.
std::string OwnerOf(std::string_view host,
                    const std::vector<std::string>& replicas);

// The hosts of `hosts` that `replica` owns among `replicas`, in the order
// given.
std::vector<std::string> HostsOwnedBy(std::string_view replica,
                                      const std::vector<std::string>& hosts,
                                      const std::vector<std::string>& replicas);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_FLEET_HOST_ASSIGNMENT_H_
