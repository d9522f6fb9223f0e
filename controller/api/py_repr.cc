#include "controller/api/py_repr.h"

#include "absl/strings/str_format.h"

namespace porthole::controller {

std::string PyReprString(std::string_view text) {
  // Python picks double quotes only when the text has a ' and no ".
  bool has_single = text.find('\'') != std::string_view::npos;
  bool has_double = text.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += absl::StrFormat("\\x%02x", byte);
    } else {
      out.push_back(c);
    }
  }
  out.push_back(quote);
  return out;
}

std::string PyRepr(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case Json::value_t::string:
      return PyReprString(value.get_ref<const std::string&>());
    case Json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const Json& item : value) {
        if (!first) out += ", ";
        first = false;
        out += PyRepr(item);
      }
      return out + "]";
    }
    case Json::value_t::object: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out += ", ";
        first = false;
        out += PyReprString(key) + ": " + PyRepr(item);
      }
      return out + "}";
    }
    default:
      // Numbers: JSON's spelling is Python's for ints and close for floats.
      return DumpJson(value);
  }
}

std::string PyStr(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return PyRepr(value);
}

}  // namespace porthole::controller
