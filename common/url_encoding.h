#ifndef PORTHOLE_COMMON_URL_ENCODING_H_
#define PORTHOLE_COMMON_URL_ENCODING_H_

#include <string>
#include <string_view>
#include <vector>

namespace porthole {

// Percent-encoding as Python's urllib.parse does it, for the console URLs
// (noVNC's `path` parameter) and the API's request targets. Pure functions.

// Decodes %XX escapes; an escape that is not two hex digits stays as it is
// (like Python's unquote). With `plus_is_space`, '+' becomes ' ' (query
// strings). The result may be any bytes: check it with IsValidUtf8
// (common/text.h).
std::string PercentDecode(std::string_view text, bool plus_is_space);

// Python's quote_plus: keeps A-Z a-z 0-9 and "_.-~", turns ' ' into '+' and
// every other byte into %XX (uppercase hex).
std::string QuotePlus(std::string_view text);

struct QueryParam {
  std::string key;    // decoded
  std::string value;  // decoded
  std::string raw;    // the `key=value` piece as it stood, still encoded
};

// Splits a query string (without '?') on '&' and decodes each `key=value`
// (a piece without '=' has an empty value; empty pieces are skipped), in
// order, keeping duplicates. Decoded bytes are not checked for UTF-8.
std::vector<QueryParam> ParseQueryString(std::string_view query);

}  // namespace porthole

#endif  // PORTHOLE_COMMON_URL_ENCODING_H_
