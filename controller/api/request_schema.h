#ifndef PORTHOLE_CONTROLLER_API_REQUEST_SCHEMA_H_
#define PORTHOLE_CONTROLLER_API_REQUEST_SCHEMA_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/api/json_body.h"

namespace porthole::controller {

// The JSON schemas of the console requests, checked the way Nova's
// jsonschema validator reports the first error: keywords in the order the
// schema lists them (type, properties, required, additionalProperties), so
// the same body gets the same first message. Messages follow Nova's
// validators.py (spec 1.6): "Invalid input for field/attribute <name>.
// Value: <value>. <message>" below the root, the bare message at it.

struct EnumProperty {
  std::string name;
  std::vector<std::string> allowed;  // a string from this list
};

// {"<container>": {<properties>}}: an object with exactly the key
// `container` (required), whose value is an object with string-enum
// `properties` (all required), no other key at either level. nullopt when
// `body` passes, else the message.
std::optional<std::string> ValidateConsoleRequest(
    const Json& body, std::string_view container,
    const std::vector<EnumProperty>& properties);

// Nova's message for an error below the root: "Invalid input for
// field/attribute <field>. Value: <str(value)>. <message>".
std::string InvalidFieldMessage(std::string_view field, const Json& value,
                                std::string_view message);

// jsonschema's type text: "<repr(value)> is not of type 'a', 'b'".
std::string NotOfTypeMessage(const Json& value,
                             const std::vector<std::string_view>& types);

// jsonschema's additionalProperties text for these keys, in order:
// "Additional properties are not allowed ('a', 'b' were unexpected)".
std::string AdditionalPropertiesMessage(const std::vector<std::string>& keys);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_API_REQUEST_SCHEMA_H_
