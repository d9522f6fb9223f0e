#ifndef PORTHOLE_AGENT_DOMAIN_DOMAIN_DOCUMENT_H_
#define PORTHOLE_AGENT_DOMAIN_DOMAIN_DOCUMENT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pugixml.hpp"

namespace porthole::agent {

// The one way the agent opens a libvirt domain XML document, shared by every
// reader of it (ParseDomainXml, ReadConsoleLogSource): the hostile-input
// checks (size, NUL, UTF-8, DOCTYPE, one <domain> root, nesting depth) run
// before anything reads the tree. Pure and thread-safe.

// Parses `xml` into `doc` and returns its <domain> element, or
// InvalidArgument saying what was refused. `doc` owns the returned node.
absl::StatusOr<pugi::xml_node> LoadDomainDocument(std::string_view xml,
                                                  size_t max_bytes,
                                                  int max_depth,
                                                  pugi::xml_document& doc);

// Element children only (pugixml also walks text, comments and PIs).
pugi::xml_node FirstChildElement(pugi::xml_node node);
pugi::xml_node NextSiblingElement(pugi::xml_node node);

// Untrusted text as it may appear in an error message: at most 40 bytes,
// C-escaped to ASCII, in single quotes.
std::string QuotedForError(std::string_view text);

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_DOMAIN_DOMAIN_DOCUMENT_H_
