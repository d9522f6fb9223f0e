#include "agent/libvirt/domain_reader.h"

#include <libvirt/virterror.h>

#include <utility>

#include "agent/libvirt/libvirt_error.h"
#include "agent/libvirt/libvirt_handles.h"
#include "common/logging.h"

namespace porthole::agent {
namespace {

constexpr char kLog[] = "libvirt";

}  // namespace

std::string DomainUuid(virDomainPtr dom) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virDomainGetUUIDString(dom, uuid) < 0) return "";
  return uuid;
}

absl::StatusOr<v1::Domain> ReadDomain(virDomainPtr dom,
                                      const DomainXmlOptions& xml_options,
                                      std::string* xml_out) {
  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  if (virDomainGetState(dom, &state, &reason, 0) < 0) {
    return LastLibvirtError();
  }
  const LibvirtString xml(virDomainGetXMLDesc(dom, 0));
  if (xml == nullptr) return LastLibvirtError();
  absl::StatusOr<v1::Domain> domain = ParseDomainXml(xml.get(), xml_options);
  if (!domain.ok()) return domain.status();
  if (xml_out != nullptr) *xml_out = xml.get();
  domain->set_state(v1::DomainState_IsValid(state)
                        ? static_cast<v1::DomainState>(state)
                        : v1::DOMAIN_STATE_UNSPECIFIED);
  return domain;
}

absl::StatusOr<std::vector<v1::Domain>> ReadAllDomains(
    virConnectPtr conn, const DomainXmlOptions& xml_options) {
  virDomainPtr* list = nullptr;
  const int count = virConnectListAllDomains(conn, &list, 0);
  if (count < 0) return LastLibvirtError("virConnectListAllDomains");
  const std::vector<DomainHandle> handles = TakeDomainList(list, count);

  std::vector<v1::Domain> domains;
  domains.reserve(handles.size());
  for (const DomainHandle& dom : handles) {
    absl::StatusOr<v1::Domain> domain = ReadDomain(dom.get(), xml_options);
    const int code = LibvirtErrorCode(domain.status());
    if (domain.ok()) {
      domains.push_back(*std::move(domain));
    } else if (code == VIR_ERR_OK) {
      LogWarning(kLog, "skipping domain with unreadable XML ",
                 LogField("uuid", DomainUuid(dom.get())), " ",
                 LogField("error", std::string(domain.status().message())));
    } else if (code != VIR_ERR_NO_DOMAIN) {  // NO_DOMAIN: gone meanwhile
      return domain.status();
    }
  }
  return domains;
}

}  // namespace porthole::agent
