#ifndef PORTHOLE_AGENT_LIBVIRT_LIBVIRT_HANDLES_H_
#define PORTHOLE_AGENT_LIBVIRT_LIBVIRT_HANDLES_H_

#include <libvirt/libvirt.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace porthole::agent {

// Owning handles for what libvirt hands back, so that no path forgets a
// free(): strings and arrays (malloc'ed, released with free()), domains
// (virDomainFree) and connection references (virConnectClose drops one
// reference; the connection goes when the last one does). Not thread-safe
// themselves; libvirt objects may be used from any thread.
struct LibvirtFree {
  void operator()(void* p) const { std::free(p); }
};
using LibvirtString = std::unique_ptr<char, LibvirtFree>;

struct DomainDeleter {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using DomainHandle = std::unique_ptr<virDomain, DomainDeleter>;

struct ConnectDeleter {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
using ConnectHandle = std::unique_ptr<virConnect, ConnectDeleter>;

// Takes the array virConnectListAllDomains filled: each domain becomes a
// handle, the array itself is freed. `count` < 0 (the call failed) gives none.
std::vector<DomainHandle> TakeDomainList(virDomainPtr* list, int count);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_LIBVIRT_HANDLES_H_
