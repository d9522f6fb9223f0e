#ifndef PORTHOLE_AGENT_DOMAIN_DOMAIN_XML_H_
#define PORTHOLE_AGENT_DOMAIN_DOMAIN_XML_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::agent {

struct DomainXmlOptions {
  // Dialled instead of a wildcard (or absent) listen address: the address on
  // which other hosts reach this one (Nova's server_proxyclient_address).
  std::string proxyclient_address = "127.0.0.1";
  size_t max_bytes = 8 << 20;
  int max_depth = 64;
};

// Reads one libvirt domain XML document (as virDomainGetXMLDesc returns it)
// into a Domain: uuid, name, Nova owner metadata and consoles, following
// shared/spec/libvirt.md. `state` is left UNSPECIFIED: the XML does not hold
// it. Pure and thread-safe. Malformed or hostile input (too large, too deep,
// invalid UTF-8, wrong attribute types) gives InvalidArgument, never a crash.
absl::StatusOr<v1::Domain> ParseDomainXml(std::string_view xml,
                                          const DomainXmlOptions& options);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_DOMAIN_DOMAIN_XML_H_
