// The proxy's parsers of browser input: the token in a WebSocket upgrade's
// target and Cookie header, and the Origin decision. Input lines:
//   target \n cookie \n origin \n host \n x-forwarded-host \n
//   x-forwarded-proto \n peer \n access_url_base
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "controller/proxy/origin_policy.h"
#include "controller/proxy/token_source.h"

namespace {

std::vector<std::string> Lines(const uint8_t* data, size_t size) {
  std::vector<std::string> lines(8);
  size_t field = 0;
  for (size_t i = 0; i < size && field < lines.size(); ++i) {
    if (data[i] == '\n') {
      ++field;
    } else {
      lines[field].push_back(static_cast<char>(data[i]));
    }
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using porthole::controller::ExtractConsoleToken;
  using porthole::controller::OriginPolicy;
  using porthole::controller::OriginRequest;
  static const OriginPolicy policy = *OriginPolicy::Create(
      {"console.example.org"}, {"127.0.0.1", "10.0.0.0/8"});
  std::vector<std::string> f = Lines(data, size);
  std::optional<std::string> token = ExtractConsoleToken(f[0], f[1]);
  if (token && token->empty()) __builtin_trap();  // never an empty token
  OriginRequest request;
  if (!f[2].empty()) request.origin = f[2];
  request.host = f[3];
  if (!f[4].empty()) request.forwarded_host = f[4];
  if (!f[5].empty()) request.forwarded_proto = f[5];
  request.peer = f[6];
  policy.Check(request, f[7]);
  porthole::controller::HostNameOf(f[3]);
  return 0;
}
