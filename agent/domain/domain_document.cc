#include "agent/domain/domain_document.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole::agent {
namespace {

// ---- Input checks ---------------------------------------------------------

absl::Status CheckRawInput(std::string_view xml, size_t max_bytes) {
  if (xml.empty()) return absl::InvalidArgumentError("domain XML is empty");
  if (xml.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("domain XML is larger than ", max_bytes, " bytes"));
  }
  // U+0000 is not an XML character, and pugixml would stop reading there.
  if (xml.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("domain XML contains a NUL byte");
  }
  if (!IsValidUtf8(xml)) {
    return absl::InvalidArgumentError("domain XML is not valid UTF-8");
  }
  return absl::OkStatus();
}

// ---- Tree walking ---------------------------------------------------------

// Depth-first walk without recursion, so that a deep document cannot exhaust
// the stack. `root` has depth 1.
absl::Status CheckDepth(pugi::xml_node root, int max_depth) {
  pugi::xml_node node = root;
  int depth = 1;
  while (true) {
    if (depth > max_depth) {
      return absl::InvalidArgumentError(absl::StrCat(
          "domain XML nests elements deeper than ", max_depth, " levels"));
    }
    if (pugi::xml_node child = FirstChildElement(node)) {
      node = child;
      ++depth;
      continue;
    }
    while (node != root && !NextSiblingElement(node)) {
      node = node.parent();
      --depth;
    }
    if (node == root) return absl::OkStatus();
    node = NextSiblingElement(node);
  }
}

// The single <domain> element of the document. A DOCTYPE is refused: libvirt
// never writes one, and the entities it could declare are not expanded.
absl::StatusOr<pugi::xml_node> DomainElement(const pugi::xml_document& doc) {
  pugi::xml_node root;
  for (pugi::xml_node node : doc.children()) {
    if (node.type() == pugi::node_doctype) {
      return absl::InvalidArgumentError("domain XML has a DOCTYPE");
    }
    if (node.type() != pugi::node_element) continue;
    if (root) {
      return absl::InvalidArgumentError(
          "domain XML has more than one root element");
    }
    root = node;
  }
  if (std::string_view(root.name()) != "domain") {
    return absl::InvalidArgumentError(
        absl::StrCat("domain XML root element is ", QuotedForError(root.name()),
                     ", not 'domain'"));
  }
  return root;
}

}  // namespace

std::string QuotedForError(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string shown = absl::CHexEscape(ToAbsl(text.substr(0, kMaxShown)));
  if (text.size() > kMaxShown) shown += "...";
  return absl::StrCat("'", shown, "'");
}

pugi::xml_node FirstChildElement(pugi::xml_node node) {
  pugi::xml_node child = node.first_child();
  while (child && child.type() != pugi::node_element) {
    child = child.next_sibling();
  }
  return child;
}

pugi::xml_node NextSiblingElement(pugi::xml_node node) {
  pugi::xml_node sibling = node.next_sibling();
  while (sibling && sibling.type() != pugi::node_element) {
    sibling = sibling.next_sibling();
  }
  return sibling;
}

absl::StatusOr<pugi::xml_node> LoadDomainDocument(std::string_view xml,
                                                  size_t max_bytes,
                                                  int max_depth,
                                                  pugi::xml_document& doc) {
  if (absl::Status status = CheckRawInput(xml, max_bytes); !status.ok()) {
    return status;
  }
  // encoding_utf8: the bytes were checked as UTF-8 above, so an encoding
  // declaration or a UTF-16 BOM must not make pugixml convert them.
  const pugi::xml_parse_result parsed = doc.load_buffer(
      xml.data(), xml.size(), pugi::parse_default | pugi::parse_doctype,
      pugi::encoding_utf8);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("domain XML does not parse: ", parsed.description(),
                     " at offset ", parsed.offset));
  }
  absl::StatusOr<pugi::xml_node> domain = DomainElement(doc);
  if (!domain.ok()) return domain.status();
  if (absl::Status status = CheckDepth(*domain, max_depth); !status.ok()) {
    return status;
  }
  return domain;
}

}  // namespace porthole::agent
