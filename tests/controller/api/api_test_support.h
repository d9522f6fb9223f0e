#ifndef PORTHOLE_TESTS_CONTROLLER_API_API_TEST_SUPPORT_H_
#define PORTHOLE_TESTS_CONTROLLER_API_API_TEST_SUPPORT_H_

// A real ApiHandler over a StaticServerDirectory, an in-memory SQLite token
// store and either authenticator, with a clock the test moves.

#include <strings.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controller/api/api_handler.h"
#include "controller/auth/noauth2_authenticator.h"
#include "controller/auth/tokens_file_authenticator.h"
#include "controller/http/http_message.h"
#include "controller/tokens/token_store_factory.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/static_server_directory.h"

namespace porthole::controller::testing {

// Project ids are hex, so they can appear in a URL prefix.
inline constexpr char kProject[] = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
inline constexpr char kOtherProject[] = "0fedcba9876543210fedcba987654321";
inline constexpr char kServerId[] = "5d1e7a3c-2b4f-4e8a-9c6d-0a1b2c3d4e5f";
inline constexpr char kStoppedId[] = "6e2f8b4d-3c5a-4f9b-8d7e-1b2c3d4e5f60";
inline constexpr char kPausedId[] = "7f3a9c5e-4d6b-4a0c-9e8f-2c3d4e5f6071";
inline constexpr char kNoGraphicsId[] = "8a4b0d6f-5e7c-4b1d-8f9a-3d4e5f607182";
inline constexpr char kOrphanId[] = "9b5c1e7a-6f8d-4c2e-9a0b-4e5f60718293";
inline constexpr char kOtherProjectId[] =
    "ac6d2f8b-7a9e-4d3f-8b1c-5f6071829304";
inline constexpr char kDisconnectedId[] =
    "bd7e3a9c-8b0f-4e4a-9c2d-607182930415";
inline constexpr char kUnknownId[] = "ffffffff-ffff-4fff-bfff-ffffffffffff";
inline constexpr char kHost[] = "compute-1";
inline constexpr int64_t kStartTime = 1'700'000'000;

enum class AuthKind { kNoauth2, kTokensFile };

// Test-name suffix for suites instantiated over both authenticators.
inline std::string AuthKindName(
    const ::testing::TestParamInfo<AuthKind>& param_info) {
  return param_info.param == AuthKind::kNoauth2 ? "Noauth2" : "TokensFile";
}

inline agent::v1::Console MakeConsole(agent::v1::Protocol protocol,
                                      uint32_t port, uint32_t tls_port = 0) {
  agent::v1::Console console;
  console.set_protocol(protocol);
  console.set_host("192.0.2.10");
  console.set_port(port);
  console.set_tls_port(tls_port);
  return console;
}

inline Server MakeServer(
    std::string uuid, std::string display_name, std::string project,
    agent::v1::DomainState state = agent::v1::DOMAIN_STATE_RUNNING) {
  Server server;
  server.host = kHost;
  server.domain.set_uuid(std::move(uuid));
  server.domain.set_name("instance-0000002a");
  server.domain.set_display_name(std::move(display_name));
  server.domain.set_project_id(std::move(project));
  if (!server.domain.project_id().empty()) {
    server.domain.set_user_id("u-" + server.domain.project_id().substr(0, 4));
  }
  server.domain.set_state(state);
  *server.domain.add_consoles() = MakeConsole(agent::v1::PROTOCOL_VNC, 5901);
  *server.domain.add_consoles() =
      MakeConsole(agent::v1::PROTOCOL_SPICE, 5902, 5903);
  *server.domain.add_consoles() =
      MakeConsole(agent::v1::PROTOCOL_SERIAL, 10000);
  return server;
}

// The servers every API test sees.
inline std::vector<Server> StandardServers() {
  std::vector<Server> servers;
  servers.push_back(MakeServer(kServerId, "web-1", kProject));
  servers.push_back(MakeServer(kStoppedId, "stopped-1", kProject,
                               agent::v1::DOMAIN_STATE_SHUTOFF));
  servers.push_back(MakeServer(kPausedId, "paused-1", kProject,
                               agent::v1::DOMAIN_STATE_PAUSED));
  Server bare = MakeServer(kNoGraphicsId, "headless-1", kProject);
  bare.domain.clear_consoles();
  servers.push_back(bare);
  Server orphan = MakeServer(kOrphanId, "", "");  // no Nova metadata
  orphan.domain.set_name("handmade");
  servers.push_back(orphan);
  servers.push_back(MakeServer(kOtherProjectId, "theirs-1", kOtherProject));
  Server gone = MakeServer(kDisconnectedId, "far-1", kProject);
  gone.host = "compute-2";
  gone.host_connected = false;
  servers.push_back(gone);
  return servers;
}

// A StaticServerDirectory whose next GetConsole can be made to fail: the
// agent faults (domain gone between lookup and call, agent too slow, agent
// broken) that the in-memory directory cannot produce by itself.
class FaultInjectingDirectory : public StaticServerDirectory {
 public:
  using StaticServerDirectory::StaticServerDirectory;
  void FailNextGetConsole(absl::Status status) { fail_ = std::move(status); }
  absl::StatusOr<agent::v1::GetConsoleResponse> GetConsole(
      const Server& server, agent::v1::Protocol protocol,
      const std::string& request_id) override {
    if (absl::Status fault = Take(fail_); !fault.ok()) return fault;
    return StaticServerDirectory::GetConsole(server, protocol, request_id);
  }
  // The same for the next TailConsoleLog.
  void FailNextTailConsoleLog(absl::Status status) {
    fail_tail_ = std::move(status);
  }
  absl::StatusOr<agent::v1::TailConsoleLogResponse> TailConsoleLog(
      const Server& server, std::optional<int64_t> max_lines,
      const std::string& request_id) override {
    if (absl::Status fault = Take(fail_tail_); !fault.ok()) return fault;
    return StaticServerDirectory::TailConsoleLog(server, max_lines, request_id);
  }

 private:
  static absl::Status Take(absl::Status& fault) {
    absl::Status taken = std::move(fault);
    fault = absl::OkStatus();
    return taken;
  }
  absl::Status fail_;
  absl::Status fail_tail_;
};

class ApiFixture {
 public:
  // `policy`: the enforcer the handler decides with (must outlive the
  // fixture); null: Nova's defaults.
  // `store_url`: the token store (etcd's calls bounded by 500 ms).
  explicit ApiFixture(AuthKind kind = AuthKind::kTokensFile,
                      ApiConfig config = DefaultConfig(),
                      const PolicyEnforcer* policy = nullptr,
                      const std::string& store_url = "sqlite://:memory:")
      : kind_(kind), directory_(StandardServers()) {
    auto store =
        OpenTokenStore(store_url, {.timeout = absl::Milliseconds(500)});
    EXPECT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    if (kind == AuthKind::kNoauth2) {
      authenticator_ = std::make_unique<Noauth2Authenticator>();
      member_ = std::string("alice:") + kProject;
      admin_ = std::string("admin:") + kOtherProject;
      other_member_ = std::string("bob:") + kOtherProject;
    } else {
      dir_ = std::filesystem::temp_directory_path() /
             ("porthole-api-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter_++));
      std::filesystem::create_directories(dir_);
      std::ofstream(dir_ / "tokens")
          << "# test tokens\n"
          << "tok-member alice " << kProject << " member,reader\n"
          << "tok-admin root " << kOtherProject << " admin,member,reader\n"
          << "tok-reader rita " << kProject << " reader\n"
          << "tok-other bob " << kOtherProject << " member\n"
          << "tok-support sam " << kProject << " support\n";
      auto file = TokensFileAuthenticator::Load((dir_ / "tokens").string());
      EXPECT_TRUE(file.ok()) << file.status();
      authenticator_ = *std::move(file);
      member_ = "tok-member";
      admin_ = "tok-admin";
      reader_ = "tok-reader";
      other_member_ = "tok-other";
      support_ = "tok-support";
    }
    config.clock = [this] { return now_; };
    handler_ =
        std::make_unique<ApiHandler>(std::move(config), authenticator_.get(),
                                     &directory_, store_.get(), policy);
  }
  ~ApiFixture() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  static ApiConfig DefaultConfig() { return ApiConfig(); }

  // A request with a token (none when empty), an optional microversion
  // (sent as OpenStack-API-Version) and extra headers.
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& token,
                    const std::optional<std::string>& version = std::nullopt,
                    const std::string& body = "",
                    HttpHeaders extra = {}) const {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.headers.emplace_back("Host", "api.example:8774");
    if (!token.empty()) request.headers.emplace_back("X-Auth-Token", token);
    if (version.has_value()) {
      request.headers.emplace_back("OpenStack-API-Version",
                                   "compute " + *version);
    }
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
    }
    for (auto& header : extra) request.headers.push_back(std::move(header));
    request.body = body;
    request.peer = "198.51.100.7:50000";
    return handler_->Handle(request);
  }

  // POST /v2.1/servers/{id}/remote-consoles.
  HttpResponse RemoteConsole(const std::string& server_id,
                             const std::string& protocol,
                             const std::string& type,
                             const std::optional<std::string>& version,
                             const std::string& token = "") const {
    return Call("POST", "/v2.1/servers/" + server_id + "/remote-consoles",
                token.empty() ? member_ : token, version,
                R"({"remote_console": {"protocol": ")" + protocol +
                    R"(", "type": ")" + type + R"("}})");
  }

  AuthKind kind_;
  FaultInjectingDirectory directory_;
  std::unique_ptr<TokenStore> store_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<ApiHandler> handler_;
  std::filesystem::path dir_;
  int64_t now_ = kStartTime;
  std::string member_, admin_, reader_, other_member_;
  std::string support_;  // tokens file only: role "support" in kProject
  static inline int counter_ = 0;
};

inline nlohmann::ordered_json BodyOf(const HttpResponse& response) {
  return nlohmann::ordered_json::parse(response.body, nullptr, false);
}

// The message of a Nova fault body, whatever its name.
inline std::string FaultMessage(const HttpResponse& response) {
  nlohmann::ordered_json body = BodyOf(response);
  if (!body.is_object() || body.size() != 1) return "<not a fault>";
  const auto& inner = body.begin().value();
  if (!inner.is_object() || !inner.contains("message")) return "<no message>";
  return inner["message"].get<std::string>();
}

inline std::string FaultName(const HttpResponse& response) {
  nlohmann::ordered_json body = BodyOf(response);
  if (!body.is_object() || body.size() != 1) return "<not a fault>";
  return body.begin().key();
}

inline std::vector<std::string> HeaderValues(const HttpResponse& response,
                                             const std::string& name) {
  std::vector<std::string> values;
  for (const auto& [key, value] : response.headers) {
    if (key.size() == name.size() &&
        strncasecmp(key.c_str(), name.c_str(), name.size()) == 0) {
      values.push_back(value);
    }
  }
  return values;
}

// The token of a console URL: what follows the last "token=" or
// "token%3D".
inline std::string TokenOf(const std::string& url) {
  size_t plain = url.rfind("token=");
  size_t encoded = url.rfind("token%3D");
  if (encoded != std::string::npos &&
      (plain == std::string::npos || encoded > plain)) {
    return url.substr(encoded + 8, 36);
  }
  if (plain != std::string::npos) return url.substr(plain + 6, 36);
  return "";
}

}  // namespace porthole::controller::testing

#endif  // PORTHOLE_TESTS_CONTROLLER_API_API_TEST_SUPPORT_H_
