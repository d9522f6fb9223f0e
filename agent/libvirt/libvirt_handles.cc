#include "agent/libvirt/libvirt_handles.h"

namespace porthole::agent {

std::vector<DomainHandle> TakeDomainList(virDomainPtr* list, int count) {
  const std::unique_ptr<virDomainPtr, LibvirtFree> array(list);
  std::vector<DomainHandle> handles;
  if (count <= 0) return handles;
  handles.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) handles.emplace_back(list[i]);
  return handles;
}

}  // namespace porthole::agent
