#ifndef PORTHOLE_TESTS_SUPPORT_NOVA_REPLY_H_
#define PORTHOLE_TESTS_SUPPORT_NOVA_REPLY_H_

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "tests/support/http_client.h"

namespace porthole::testing {

// What the process tests read out of the controller's answers.

// The message of a Nova fault body ({"itemNotFound": {"message": ...}}), or
// "<body>" when the body is not that fault, so a failing EXPECT shows it.
inline std::string FaultMessageOf(const HttpReply& reply,
                                  const std::string& fault) {
  auto json = nlohmann::json::parse(reply.body, nullptr, false);
  if (json.is_discarded() || !json.contains(fault)) {
    return "<" + reply.body + ">";
  }
  return json[fault]["message"].get<std::string>();
}

// The console token at the end of a console URL ("...token%3D<uuid>" for
// the web clients' pages, "...?token=<uuid>" for serial), or "" when there
// is none.
inline std::string ConsoleTokenOf(const std::string& url) {
  std::smatch m;
  static const std::regex kToken("(?:token%3D|[?&]token=)([0-9a-f-]{36})$");
  return std::regex_search(url, m, kToken) ? m[1].str() : "";
}

// POST /v2.1/servers/{server}/remote-consoles at `microversion` (2.6 and
// up; "2.99" for spice-direct), as `token`, for a `protocol` console of
// `type` ("vnc", "novnc").
inline HttpReply PostRemoteConsole(int port, const std::string& server,
                                   const std::string& token,
                                   const std::string& protocol,
                                   const std::string& type,
                                   const std::string& microversion = "2.6") {
  return HttpCall(port, "POST", "/v2.1/servers/" + server + "/remote-consoles",
                  {{"X-Auth-Token", token},
                   {"Content-Type", "application/json"},
                   {"OpenStack-API-Version", "compute " + microversion}},
                  R"({"remote_console": {"protocol": ")" + protocol +
                      R"(", "type": ")" + type + R"("}})");
}

// A noVNC console, as `token`.
inline HttpReply PostVncConsole(int port, const std::string& server,
                                const std::string& token) {
  return PostRemoteConsole(port, server, token, "vnc", "novnc");
}

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_NOVA_REPLY_H_
