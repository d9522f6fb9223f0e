#ifndef PORTHOLE_CONTROLLER_API_PY_REPR_H_
#define PORTHOLE_CONTROLLER_API_PY_REPR_H_

#include <string>
#include <string_view>

#include "controller/api/json_body.h"

namespace porthole::controller {

// Nova's validation messages quote the offending JSON value as Python
// prints the decoded object: repr() inside jsonschema's text ('foo',
// {'type': 'novnc'}, None, True), str() after "Value:" (a string bare).
// Close enough for clients, which match prefixes, not bytes.
std::string PyRepr(const Json& value);
std::string PyStr(const Json& value);
std::string PyReprString(std::string_view text);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_PY_REPR_H_
