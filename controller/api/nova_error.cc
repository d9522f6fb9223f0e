#include "controller/api/nova_error.h"

#include <strings.h>

#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/text.h"
#include "controller/api/json_body.h"

namespace porthole::controller {
namespace {

constexpr char kFaultContentType[] = "application/json; charset=UTF-8";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// The quality an Accept header gives `offer` ("type/subtype"): the q of the
// most specific matching range, 0 when none matches.
double AcceptQuality(std::string_view accept, std::string_view offer) {
  size_t slash = offer.find('/');
  std::string_view offer_type = offer.substr(0, slash);
  int best_specificity = -1;
  double best_q = 0;
  while (!accept.empty()) {
    size_t comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view()
                                             : accept.substr(comma + 1);
    size_t semicolon = range.find(';');
    std::string_view media = Trim(range.substr(0, semicolon));
    double q = 1;
    while (semicolon != std::string_view::npos) {
      range = range.substr(semicolon + 1);
      semicolon = range.find(';');
      std::string_view param = Trim(range.substr(0, semicolon));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') &&
          param[1] == '=') {
        std::string number(param.substr(2));
        q = std::strtod(number.c_str(), nullptr);
      }
    }
    int specificity = -1;
    if (EqualsIgnoreCase(media, offer)) {
      specificity = 2;
    } else if (media.size() == offer_type.size() + 2 &&
               EqualsIgnoreCase(media.substr(0, offer_type.size()),
                                offer_type) &&
               media.substr(offer_type.size()) == "/*") {
      specificity = 1;
    } else if (media == "*/*") {
      specificity = 0;
    }
    if (specificity > best_specificity) {
      best_specificity = specificity;
      best_q = q;
    }
  }
  return best_q;
}

}  // namespace

std::string_view FaultName(int code) {
  switch (code) {
    case 400:
      return "badRequest";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "itemNotFound";
    case 405:
      return "badMethod";
    case 409:
      return "conflictingRequest";
    case 413:
    case 429:
      return "overLimit";
    case 415:
      return "badMediaType";
    case 501:
      return "notImplemented";
    case 503:
      return "serviceUnavailable";
    default:
      return "computeFault";
  }
}

HttpResponse NovaFault(int code, std::string_view message) {
  Json inner;
  inner["code"] = code;
  inner["message"] = std::string(message);
  Json body;
  body[std::string(FaultName(code))] = std::move(inner);
  HttpResponse response;
  response.status = code;
  response.AddHeader("Content-Type", kFaultContentType);
  response.body = DumpJson(body);
  return response;
}

absl::Status TokenStoreUnavailable() {
  return absl::UnavailableError(
      "The console token store is unavailable. Please try again later.");
}

HttpResponse FaultFromStatus(const absl::Status& status) {
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return NovaFault(400, message);
    case absl::StatusCode::kPermissionDenied:
      return NovaFault(403, message);
    case absl::StatusCode::kNotFound:
      return NovaFault(404, message);
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kAlreadyExists:
      return NovaFault(409, message);
    case absl::StatusCode::kResourceExhausted:
      return NovaFault(413, message);
    case absl::StatusCode::kUnimplemented:
      return NovaFault(501, message);
    case absl::StatusCode::kUnavailable:
      return NovaFault(503, message);
    default:
      return NovaFault(500, kUnexpectedErrorText);
  }
}

HttpResponse KeystoneUnauthorized(std::string_view www_authenticate_uri) {
  Json error;
  error["code"] = 401;
  error["title"] = "Unauthorized";
  error["message"] = "The request you have made requires authentication.";
  Json body;
  body["error"] = std::move(error);
  HttpResponse response = JsonResponse(body, 401);
  response.AddHeader(
      "WWW-Authenticate",
      absl::StrCat("Keystone uri=\"", std::string(www_authenticate_uri), "\""));
  return response;
}

HttpResponse WebObNotFound(const HttpRequest& request) {
  // WebOb renders "${explanation}<br /><br />\n${detail}\n${html_comment}\n"
  // with an empty detail and comment, then adapts it to the chosen type.
  static constexpr char kStatus[] = "404 Not Found";
  std::string accept = request.Header("Accept").value_or("");
  double html = AcceptQuality(accept, "text/html");
  double json = AcceptQuality(accept, "application/json");
  HttpResponse response;
  response.status = 404;
  if (html > 0 && html >= json) {
    response.AddHeader("Content-Type", "text/html; charset=UTF-8");
    response.body = absl::StrCat("<html>\n <head>\n  <title>", kStatus,
                                 "</title>\n </head>\n <body>\n", "  <h1>",
                                 kStatus, "</h1>\n  ", kResourceNotFoundText,
                                 "<br /><br />\n\n\n\n </body>\n</html>");
  } else if (json > 0) {
    Json body;
    body["message"] = absl::StrCat(kResourceNotFoundText, "<br /><br />\n\n\n");
    body["code"] = kStatus;
    body["title"] = "Not Found";
    response.AddHeader("Content-Type", "application/json");
    response.body = DumpJson(body);
  } else {
    response.AddHeader("Content-Type", "text/plain; charset=UTF-8");
    response.body =
        absl::StrCat(kStatus, "\n\n", kResourceNotFoundText, "\n\n   ");
  }
  return response;
}

}  // namespace porthole::controller
