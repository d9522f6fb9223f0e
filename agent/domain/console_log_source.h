#ifndef PORTHOLE_AGENT_DOMAIN_CONSOLE_LOG_SOURCE_H_
#define PORTHOLE_AGENT_DOMAIN_CONSOLE_LOG_SOURCE_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "agent/domain/domain_xml.h"

namespace porthole::agent {

// Where a domain's serial console output is written, as Nova's libvirt
// driver (get_console_output) finds it in the live XML. Kinds are tried in
// Nova's order, each on the <console> elements first (libvirt mirrors the
// first serial port there) and then on the <serial> elements:
//   1. type='file': the file itself, <source path=...>;
//   2. type='tcp':  its <log file=...> (Nova's instances/<uuid>/console.log);
//   3. type='pty':  its <log file=...>. Nova also reads a bare pty through
//      privsep; Porthole never reads a pty (that would steal the bytes of
//      whoever is attached), so a pty without a log has no console log.
// The path must be absolute and normal (no "." or ".." component, no
// doubled or trailing '/'): it comes from the domain, never from a request.
// Pure and thread-safe.

// The log's path, nullopt when the domain has none, or InvalidArgument for
// an XML document ParseDomainXml would refuse or a path that is not
// absolute and normal.
absl::StatusOr<std::optional<std::string>> ReadConsoleLogPath(
    std::string_view xml, const DomainXmlOptions& options);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_DOMAIN_CONSOLE_LOG_SOURCE_H_
