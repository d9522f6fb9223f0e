#include "controller/fleet/host_assignment.h"

#include <cstdint>

#include "common/sha256.h"

namespace porthole::controller {
namespace {

// The weight of `replica` for `host`: the first 8 bytes of SHA-256 over
// both, with a separator that neither name can hold, so ("ab", "c") and
// ("a", "bc") differ.
uint64_t Weight(std::string_view host, std::string_view replica) {
  std::string key;
  key.reserve(host.size() + replica.size() + 1);
  key.append(host);
  key.push_back('\0');
  key.append(replica);
  const Sha256Digest digest = Sha256(key);
  uint64_t weight = 0;
  for (int i = 0; i < 8; ++i) weight = (weight << 8) | digest[i];
  return weight;
}

}  // namespace

std::string OwnerOf(std::string_view host,
                    const std::vector<std::string>& replicas) {
  const std::string* best = nullptr;
  uint64_t best_weight = 0;
  for (const std::string& replica : replicas) {
    const uint64_t weight = Weight(host, replica);
    // Ties (astronomically rare) go to the smaller name, in every process.
    if (best == nullptr || weight > best_weight ||
        (weight == best_weight && replica < *best)) {
      best = &replica;
      best_weight = weight;
    }
  }
  return best == nullptr ? std::string() : *best;
}

std::vector<std::string> HostsOwnedBy(
    std::string_view replica, const std::vector<std::string>& hosts,
    const std::vector<std::string>& replicas) {
  std::vector<std::string> owned;
  for (const std::string& host : hosts) {
    if (OwnerOf(host, replicas) == replica) owned.push_back(host);
  }
  return owned;
}

}  // namespace porthole::controller
