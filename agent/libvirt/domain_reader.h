#ifndef PORTHOLE_AGENT_LIBVIRT_DOMAIN_READER_H_
#define PORTHOLE_AGENT_LIBVIRT_DOMAIN_READER_H_

#include <libvirt/libvirt.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/domain/domain_xml.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::agent {

// Live reads of domains over an open connection: state and live XML
// (virDomainGetState, virDomainGetXMLDesc flags 0) into a v1::Domain through
// ParseDomainXml. Stateless; safe from any thread that holds a reference to
// the connection. A libvirt failure is a LastLibvirtError status (its
// LibvirtErrorCode tells "gone" from "broken"); the caller decides whether
// the connection is lost.

// The domain's UUID string, or "" if libvirt cannot say.
std::string DomainUuid(virDomainPtr dom);

// One domain. A parse failure is the parser's INVALID_ARGUMENT, with no
// libvirt code (LibvirtErrorCode == VIR_ERR_OK). `xml`, when given, receives
// the live XML the Domain was read from (for readers of other parts of it).
absl::StatusOr<v1::Domain> ReadDomain(virDomainPtr dom,
                                      const DomainXmlOptions& xml_options,
                                      std::string* xml = nullptr);

// Every domain (virConnectListAllDomains). Domains that went away meanwhile
// are left out; one with unreadable XML is logged and skipped. Fails on the
// first other libvirt error.
absl::StatusOr<std::vector<v1::Domain>> ReadAllDomains(
    virConnectPtr conn, const DomainXmlOptions& xml_options);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_DOMAIN_READER_H_
