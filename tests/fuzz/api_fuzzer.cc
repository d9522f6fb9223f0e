// libFuzzer entry point for the API's pure core: any request must get an
// answer in one of the shapes the API promises, never a crash, a 500, an
// exception or invalid UTF-8. The input is a request in a plain form:
//   METHOD\n TARGET\n (Header-Name: value\n)* \n BODY
// It runs through the real ApiHandler with a StaticServerDirectory, an
// in-memory SQLite token store and the noauth2 authenticator (so the
// fuzzer can reach every route by writing a token like "admin:ab12").
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/logging.h"
#include "common/text.h"
#include "common/url_encoding.h"
#include "controller/api/api_handler.h"
#include "controller/auth/noauth2_authenticator.h"
#include "controller/tokens/token_store_factory.h"
#include "tests/support/static_server_directory.h"

namespace {

using porthole::controller::ApiConfig;
using porthole::controller::ApiHandler;
using porthole::controller::HttpRequest;
using porthole::controller::HttpResponse;
using porthole::controller::Server;
using porthole::controller::StaticServerDirectory;
using porthole::controller::TokenStore;
namespace v1 = porthole::agent::v1;

constexpr int64_t kNow = 1'700'000'000;

Server MakeServer(const char* uuid, std::string name, const char* project,
                  v1::DomainState state, bool connected = true) {
  Server server;
  server.host = "compute-1";
  server.host_connected = connected;
  server.domain.set_uuid(uuid);
  server.domain.set_name("instance-00000001");
  server.domain.set_display_name(std::move(name));
  server.domain.set_project_id(project);
  server.domain.set_state(state);
  for (auto protocol :
       {v1::PROTOCOL_VNC, v1::PROTOCOL_SPICE, v1::PROTOCOL_SERIAL}) {
    v1::Console* console = server.domain.add_consoles();
    console->set_protocol(protocol);
    console->set_host("192.0.2.1");
    console->set_port(5900 + protocol);
    if (protocol == v1::PROTOCOL_SPICE) console->set_tls_port(5999);
  }
  return server;
}

struct World {
  World() {
    porthole::SetMinLogLevel(porthole::LogLevel::kError);
    auto opened = porthole::controller::OpenTokenStore("sqlite://:memory:");
    if (!opened.ok()) abort();
    store = *std::move(opened);
    directory = std::make_unique<StaticServerDirectory>(std::vector<Server>{
        MakeServer("11111111-1111-4111-8111-111111111111", "web", "ab12",
                   v1::DOMAIN_STATE_RUNNING),
        MakeServer("22222222-2222-4222-8222-222222222222", "bad\xc3(name",
                   "ab12", v1::DOMAIN_STATE_PAUSED),
        MakeServer("33333333-3333-4333-8333-333333333333", "off", "cd34",
                   v1::DOMAIN_STATE_SHUTOFF),
        MakeServer("44444444-4444-4444-8444-444444444444", "", "",
                   v1::DOMAIN_STATE_RUNNING),
        MakeServer("55555555-5555-4555-8555-555555555555", "far", "ab12",
                   v1::DOMAIN_STATE_RUNNING, /*connected=*/false),
    });
    ApiConfig config;
    config.clock = [] { return kNow; };
    handler = std::make_unique<ApiHandler>(config, &authenticator,
                                           directory.get(), store.get());
  }
  porthole::controller::Noauth2Authenticator authenticator;
  std::unique_ptr<TokenStore> store;
  std::unique_ptr<StaticServerDirectory> directory;
  std::unique_ptr<ApiHandler> handler;
};

std::string_view NextLine(std::string_view* input) {
  size_t newline = input->find('\n');
  std::string_view line = input->substr(0, newline);
  *input = newline == std::string_view::npos ? std::string_view()
                                             : input->substr(newline + 1);
  return line;
}

HttpRequest ParseRequest(std::string_view input) {
  HttpRequest request;
  request.method = std::string(NextLine(&input));
  request.target = std::string(NextLine(&input));
  while (!input.empty()) {
    std::string_view line = NextLine(&input);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos
                                 ? std::string_view()
                                 : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::string(name), std::string(value));
  }
  request.body = std::string(input);
  return request;
}

bool IsKnownStatus(int status) {
  switch (status) {
    case 200:
    case 300:
    case 400:
    case 401:
    case 403:
    case 404:
    case 406:
    case 409:
    case 410:
    case 413:
    case 415:
    case 503:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  HttpRequest request =
      ParseRequest(std::string_view(reinterpret_cast<const char*>(data), size));
  HttpResponse response = world->handler->Handle(request);

  if (!IsKnownStatus(response.status)) abort();
  if (!porthole::IsValidUtf8(response.body)) abort();
  if (!response.Header("x-openstack-request-id").has_value()) abort();
  int vary = 0;
  for (const auto& [name, value] : response.headers) {
    if (name == "Vary") ++vary;
    // Nothing from the request may split a header.
    if (value.find_first_of("\r\n") != std::string::npos) abort();
  }
  if (vary != 0 && (vary != 2 || !response.Header("OpenStack-API-Version"))) {
    abort();
  }
  // Inputs stay independent: forget every token this one issued.
  if (!world->store->PurgeExpired(INT64_MAX).ok()) abort();
  return 0;
}
