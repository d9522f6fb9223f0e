#include "controller/api/request_schema.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "controller/api/py_repr.h"

namespace porthole::controller {
namespace {

std::string NotOfType(const Json& value, std::string_view type) {
  return NotOfTypeMessage(value, {type});
}

std::string NotOneOf(const Json& value,
                     const std::vector<std::string>& allowed) {
  std::vector<std::string> quoted;
  quoted.reserve(allowed.size());
  for (const std::string& item : allowed) quoted.push_back(PyReprString(item));
  return absl::StrCat(PyRepr(value), " is not one of [",
                      absl::StrJoin(quoted, ", "), "]");
}

std::string Required(std::string_view name) {
  return absl::StrCat(PyReprString(name), " is a required property");
}

std::vector<std::string> Extras(const Json& object,
                                const std::vector<std::string>& allowed) {
  std::vector<std::string> extras;
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      extras.push_back(key);
    }
  }
  return extras;
}

}  // namespace

std::string InvalidFieldMessage(std::string_view field, const Json& value,
                                std::string_view message) {
  return absl::StrCat("Invalid input for field/attribute ", std::string(field),
                      ". Value: ", PyStr(value), ". ", std::string(message));
}

std::string NotOfTypeMessage(const Json& value,
                             const std::vector<std::string_view>& types) {
  std::vector<std::string> quoted;
  quoted.reserve(types.size());
  for (std::string_view type : types) {
    quoted.push_back(absl::StrCat("'", std::string(type), "'"));
  }
  return absl::StrCat(PyRepr(value), " is not of type ",
                      absl::StrJoin(quoted, ", "));
}

std::string AdditionalPropertiesMessage(const std::vector<std::string>& keys) {
  std::vector<std::string> quoted;
  quoted.reserve(keys.size());
  for (const std::string& key : keys) quoted.push_back(PyReprString(key));
  return absl::StrCat("Additional properties are not allowed (",
                      absl::StrJoin(quoted, ", "),
                      keys.size() == 1 ? " was" : " were", " unexpected)");
}

std::optional<std::string> ValidateConsoleRequest(
    const Json& body, std::string_view container,
    const std::vector<EnumProperty>& properties) {
  const std::string key(container);
  if (!body.is_object()) return NotOfType(body, "object");

  if (auto it = body.find(key); it != body.end()) {
    const Json& inner = *it;
    if (!inner.is_object()) {
      return InvalidFieldMessage(key, inner, NotOfType(inner, "object"));
    }
    for (const EnumProperty& property : properties) {
      auto found = inner.find(property.name);
      if (found == inner.end()) continue;
      if (!found->is_string()) {
        return InvalidFieldMessage(property.name, *found,
                                   NotOfType(*found, "string"));
      }
      const std::string& text = found->get_ref<const std::string&>();
      if (std::find(property.allowed.begin(), property.allowed.end(), text) ==
          property.allowed.end()) {
        return InvalidFieldMessage(property.name, *found,
                                   NotOneOf(*found, property.allowed));
      }
    }
    std::vector<std::string> names;
    for (const EnumProperty& property : properties) {
      if (!inner.contains(property.name)) {
        return InvalidFieldMessage(key, inner, Required(property.name));
      }
      names.push_back(property.name);
    }
    if (std::vector<std::string> extras = Extras(inner, names);
        !extras.empty()) {
      return InvalidFieldMessage(key, inner,
                                 AdditionalPropertiesMessage(extras));
    }
  } else {
    return Required(key);
  }
  if (std::vector<std::string> extras = Extras(body, {key}); !extras.empty()) {
    return AdditionalPropertiesMessage(extras);
  }
  return std::nullopt;
}

}  // namespace porthole::controller
