// libFuzzer entry point for ParseDomainXml and ReadConsoleLogPath. Any bytes
// must give a Domain (a console log path: absolute, without '.' or '..') or
// InvalidArgument, never a crash; an accepted Domain must survive the wire
// (proto3 refuses to parse strings that are not UTF-8) and keep the Console
// contract of agent.proto.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "agent/domain/console_log_source.h"
#include "agent/domain/domain_xml.h"

namespace {

using porthole::agent::v1::Console;
using porthole::agent::v1::Domain;

bool KeepsConsoleContract(const Console& console) {
  const bool tcp = console.port() != 0 || console.tls_port() != 0;
  return (tcp || !console.socket_path().empty()) &&
         (!tcp || !console.host().empty()) && console.port() <= 65535 &&
         console.tls_port() <= 65535 && console.websocket_port() <= 65535;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const porthole::agent::DomainXmlOptions kOptions;
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::optional<std::string>> log =
      porthole::agent::ReadConsoleLogPath(xml, kOptions);
  if (!log.ok() && log.status().code() != absl::StatusCode::kInvalidArgument) {
    abort();
  }
  if (log.ok() && log->has_value() &&
      ((*log)->front() != '/' || (*log)->find("/../") != std::string::npos ||
       (*log)->find("/./") != std::string::npos)) {
    abort();
  }
  absl::StatusOr<Domain> domain =
      porthole::agent::ParseDomainXml(xml, kOptions);
  if (!domain.ok()) {
    if (domain.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  if (domain->uuid().size() != 36 || domain->name().empty()) abort();
  for (const Console& console : domain->consoles()) {
    if (!KeepsConsoleContract(console)) abort();
  }
  std::string wire;
  if (!domain->SerializeToString(&wire)) abort();
  Domain back;
  if (!back.ParseFromString(wire)) abort();
  return 0;
}
