#include "agent/domain/console_log_source.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agent/domain/domain_document.h"
#include "common/text.h"

namespace porthole::agent {
namespace {

// One kind of console log: the character device type, the child element
// that holds the path and its attribute.
struct LogKind {
  std::string_view type;
  const char* element;
  const char* attribute;
};

constexpr LogKind kLogKinds[] = {
    {"file", "source", "path"},
    {"tcp", "log", "file"},
    {"pty", "log", "file"},
};

// The path of `kind` on the first `device` element that has one.
std::string_view FindLogPath(pugi::xml_node devices, const char* device,
                             const LogKind& kind) {
  for (pugi::xml_node character = devices.child(device); character;
       character = character.next_sibling(device)) {
    if (std::string_view(character.attribute("type").value()) != kind.type) {
      continue;
    }
    std::string_view path =
        character.child(kind.element).attribute(kind.attribute).value();
    if (!path.empty()) return path;
  }
  return {};
}

absl::Status CheckNormalAbsolute(std::string_view path) {
  bool normal = path.size() > 1 && path.front() == '/' && path.back() != '/';
  if (normal) {
    for (absl::string_view part : absl::StrSplit(ToAbsl(path.substr(1)), '/')) {
      if (part.empty() || part == "." || part == "..") normal = false;
    }
  }
  if (!normal || !IsValidUtf8(path)) {
    return absl::InvalidArgumentError(
        absl::StrCat("console log path ", QuotedForError(path),
                     " is not a normal absolute path"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::optional<std::string>> ReadConsoleLogPath(
    std::string_view xml, const DomainXmlOptions& options) {
  pugi::xml_document doc;
  absl::StatusOr<pugi::xml_node> domain =
      LoadDomainDocument(xml, options.max_bytes, options.max_depth, doc);
  if (!domain.ok()) return domain.status();
  pugi::xml_node devices = domain->child("devices");
  for (const LogKind& kind : kLogKinds) {
    for (const char* device : {"console", "serial"}) {
      std::string_view path = FindLogPath(devices, device, kind);
      if (path.empty()) continue;
      if (absl::Status status = CheckNormalAbsolute(path); !status.ok()) {
        return status;
      }
      return std::optional<std::string>(std::string(path));
    }
  }
  return std::optional<std::string>();
}

}  // namespace porthole::agent
