#include "tests/support/keystone.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

namespace porthole::testing {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Bump when the seed changes: a new template is then made.
constexpr char kTemplateName[] = "keystone-template-v1";
constexpr char kPython[] = "/usr/bin/python3";
constexpr std::chrono::seconds kToolTimeout(120);

std::string ConfText(const std::string& dir, int expiration) {
  return "[DEFAULT]\nlog_file = " + dir +
         "/keystone.log\nuse_stderr = false\n" +
         "[database]\nconnection = sqlite:///" + dir + "/keystone.db\n" +
         "[token]\nprovider = fernet\nexpiration = " +
         std::to_string(expiration) +
         "\n[fernet_tokens]\nkey_repository = " + dir +
         "/fernet-keys\n[fernet_receipts]\nkey_repository = " + dir +
         "/fernet-keys\n[credential]\nkey_repository = " + dir +
         "/credential-keys\n[identity]\npassword_hash_rounds = 4\n"
         "[cache]\nenabled = true\nbackend = dogpile.cache.memory\n";
}

std::vector<std::string> KeystoneEnv(const std::string& dir) {
  return {"OS_KEYSTONE_CONFIG_DIR=" + dir + "/etc"};
}

// Runs a tool to completion; true when it exits 0.
bool Run(std::vector<std::string> argv, const std::string& dir) {
  ChildProcess tool(std::move(argv), KeystoneEnv(dir), dir + "/tools.log");
  std::optional<int> status = tool.Wait(kToolTimeout);
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

bool Manage(const std::string& dir, std::vector<std::string> args) {
  std::vector<std::string> argv = {kPython, "/usr/bin/keystone-manage",
                                   "--config-file", dir + "/etc/keystone.conf"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, dir);
}

// The identity endpoints at `ks_url`, the compute ones at `compute_url`.
bool SetCatalogUrls(const std::string& dir, const std::string& ks_url,
                    const std::string& compute_url) {
  return Run({kPython, "-c",
              "import sqlite3,sys\n"
              "c = sqlite3.connect(sys.argv[1])\n"
              "for kind, url in (('identity', sys.argv[2]), "
              "('compute', sys.argv[3])):\n"
              "  c.execute('UPDATE endpoint SET url=? WHERE service_id IN "
              "(SELECT id FROM service WHERE type=?)', (url, kind))\n"
              "c.commit()\n",
              dir + "/keystone.db", ks_url, compute_url},
             dir);
}

std::unique_ptr<ChildProcess> StartServer(const std::string& dir, int port) {
  auto server = std::make_unique<ChildProcess>(
      std::vector<std::string>{kPython, "/usr/bin/keystone-wsgi-public",
                               "--host", "127.0.0.1", "--port",
                               std::to_string(port)},
      KeystoneEnv(dir), dir + "/server.log");
  bool up = WaitFor(
      [&] {
        return !server->running() || HttpCall(port, "GET", "/v3").status == 200;
      },
      std::chrono::seconds(30));
  if (!up || !server->running()) return nullptr;
  return server;
}

void MakeLayout(const std::string& dir, int expiration) {
  for (const char* sub : {"/etc", "/fernet-keys", "/credential-keys"}) {
    fs::create_directories(dir + sub);
  }
  fs::permissions(dir + "/fernet-keys", fs::perms::owner_all);
  fs::permissions(dir + "/credential-keys", fs::perms::owner_all);
  WriteFile(dir + "/etc/keystone.conf", ConfText(dir, expiration));
}

// The body of a password login of `user` (domain default) scoped to
// `project` ({"id": ...} or {"name": ..., "domain": ...}).
std::string PasswordAuth(const std::string& user, const std::string& password,
                         Json project) {
  Json identity = {{"methods", {"password"}},
                   {"password",
                    {{"user",
                      {{"name", user},
                       {"domain", {{"id", "default"}}},
                       {"password", password}}}}}};
  return Json{
      {"auth",
       {{"identity", identity}, {"scope", {{"project", std::move(project)}}}}}}
      .dump();
}

// REST as the bootstrap admin, against a running template instance.
class Seeder {
 public:
  explicit Seeder(int port) : port_(port) {}

  bool Seed(KeystoneSeed* seed) {
    admin_ = Login("admin", kKeystoneAdminPassword, "admin");
    if (admin_.empty()) return false;
    std::string service_role =
        Create("/v3/roles", "role", {{"name", "service"}});
    seed->admin_project_id = Find("/v3/projects?name=admin", "projects");
    seed->admin_id = Find("/v3/users?name=admin", "users");
    seed->service_project_id = Project("service");
    seed->demo_project_id = Project("demo");
    seed->other_project_id = Project("other");
    const std::string member = Find("/v3/roles?name=member", "roles");
    const std::string reader = Find("/v3/roles?name=reader", "roles");
    seed->alice_id = User("alice", seed->demo_project_id, member);
    seed->rita_id = User("rita", seed->demo_project_id, reader);
    seed->bob_id = User("bob", seed->other_project_id, member);
    seed->porthole_id =
        User("porthole", seed->service_project_id, service_role);
    User("porthole-member", seed->service_project_id, member);
    std::string compute = Create("/v3/services", "service",
                                 {{"type", "compute"}, {"name", "nova"}});
    for (const char* interface : {"public", "internal", "admin"}) {
      Create("/v3/endpoints", "endpoint",
             {{"service_id", compute},
              {"interface", interface},
              {"region_id", "RegionOne"},
              {"url", "http://127.0.0.1:1/v2.1"}});
    }
    // alice's own application credential (only she may create it).
    admin_ = Login("alice", "alice-pw", "demo");
    seed->app_credential_secret = "alice-app-secret";
    seed->app_credential_id = Create(
        "/v3/users/" + seed->alice_id + "/application_credentials",
        "application_credential",
        {{"name", "porthole-test"}, {"secret", seed->app_credential_secret}});
    return ok_ && !seed->app_credential_id.empty();
  }

 private:
  std::string Login(const std::string& user, const std::string& password,
                    const std::string& project) {
    const std::string body = PasswordAuth(
        user, password, {{"name", project}, {"domain", {{"id", "default"}}}});
    HttpReply r = HttpCall(port_, "POST", "/v3/auth/tokens",
                           {{"Content-Type", "application/json"}}, body);
    ok_ = ok_ && r.status == 201;
    return r.Header("X-Subject-Token").value_or("");
  }

  std::string Create(const std::string& path, const std::string& kind,
                     Json fields) {
    HttpReply r = HttpCall(
        port_, "POST", path,
        {{"X-Auth-Token", admin_}, {"Content-Type", "application/json"}},
        Json{{kind, fields}}.dump());
    ok_ = ok_ && r.status == 201;
    Json reply = Json::parse(r.body, nullptr, false);
    return reply.contains(kind) ? reply[kind].value("id", "") : "";
  }

  std::string Find(const std::string& path, const std::string& list) {
    HttpReply r = HttpCall(port_, "GET", path, {{"X-Auth-Token", admin_}});
    Json reply = Json::parse(r.body, nullptr, false);
    if (r.status != 200 || !reply.contains(list) || reply[list].empty()) {
      ok_ = false;
      return "";
    }
    return reply[list][0].value("id", "");
  }

  std::string Project(const std::string& name) {
    return Create("/v3/projects", "project",
                  {{"name", name}, {"domain_id", "default"}});
  }

  std::string User(const std::string& name, const std::string& project,
                   const std::string& role) {
    std::string id = Create(
        "/v3/users", "user",
        {{"name", name}, {"password", name + "-pw"}, {"domain_id", "default"}});
    HttpReply r =
        HttpCall(port_, "PUT",
                 "/v3/projects/" + project + "/users/" + id + "/roles/" + role,
                 {{"X-Auth-Token", admin_}});
    ok_ = ok_ && r.status == 204;
    return id;
  }

  int port_;
  std::string admin_;
  bool ok_ = true;
};

Json SeedToJson(const KeystoneSeed& s) {
  return {{"admin_project_id", s.admin_project_id},
          {"demo_project_id", s.demo_project_id},
          {"other_project_id", s.other_project_id},
          {"service_project_id", s.service_project_id},
          {"admin_id", s.admin_id},
          {"alice_id", s.alice_id},
          {"rita_id", s.rita_id},
          {"bob_id", s.bob_id},
          {"porthole_id", s.porthole_id},
          {"app_credential_id", s.app_credential_id},
          {"app_credential_secret", s.app_credential_secret}};
}

KeystoneSeed SeedFromJson(const Json& j) {
  auto get = [&j](const char* key) { return j.value(key, std::string()); };
  return {get("admin_project_id"),
          get("demo_project_id"),
          get("other_project_id"),
          get("service_project_id"),
          get("admin_id"),
          get("alice_id"),
          get("rita_id"),
          get("bob_id"),
          get("porthole_id"),
          get("app_credential_id"),
          get("app_credential_secret")};
}

// Makes the template in `dir` (which must not exist yet). False on failure.
bool BuildTemplate(const std::string& dir) {
  MakeLayout(dir, 3600);
  const int port = PickFreePort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v3";
  if (!Manage(dir, {"db_sync"})) return false;
  // Keystone 22 needs WAL: a lazy query holds a read transaction open, and
  // writes then fail with "database is locked".
  if (!Run({kPython, "-c",
            "import sqlite3,sys; "
            "sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')",
            dir + "/keystone.db"},
           dir)) {
    return false;
  }
  if (!Manage(dir, {"fernet_setup", "--keystone-user", "root",
                    "--keystone-group", "root"}) ||
      !Manage(dir, {"credential_setup", "--keystone-user", "root",
                    "--keystone-group", "root"}) ||
      !Manage(dir, {"bootstrap", "--bootstrap-password", kKeystoneAdminPassword,
                    "--bootstrap-username", "admin", "--bootstrap-project-name",
                    "admin", "--bootstrap-role-name", "admin",
                    "--bootstrap-service-name", "keystone",
                    "--bootstrap-region-id", "RegionOne",
                    "--bootstrap-admin-url", url, "--bootstrap-public-url", url,
                    "--bootstrap-internal-url", url})) {
    return false;
  }
  std::unique_ptr<ChildProcess> server = StartServer(dir, port);
  if (server == nullptr) return false;
  KeystoneSeed seed;
  bool seeded = Seeder(port).Seed(&seed);
  server->Stop();
  if (!seeded) return false;
  WriteFile(dir + "/seed.json", SeedToJson(seed).dump(2));
  return true;
}

// The template's directory, made under a lock the first time any test
// process of this build tree asks.
std::string TemplateDir(std::string* error) {
  const std::string dir =
      std::string(PORTHOLE_BINARY_DIR) + "/" + kTemplateName;
  const int lock =
      open((dir + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    *error = "cannot lock " + dir + ".lock";
    if (lock >= 0) close(lock);
    return "";
  }
  if (!fs::exists(dir + "/seed.json")) {
    const std::string work = dir + ".tmp-" + std::to_string(getpid());
    fs::remove_all(work);
    fs::remove_all(dir);
    if (BuildTemplate(work)) {
      fs::rename(work, dir);
    } else {
      *error = "building the Keystone template failed; see " + work;
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  return fs::exists(dir + "/seed.json") ? dir : "";
}

}  // namespace

Keystone::Keystone(int compute_port, int token_expiration_seconds)
    : port_(PickFreePort()),
      compute_port_(compute_port),
      token_expiration_(token_expiration_seconds) {}

Keystone::~Keystone() { Stop(); }

std::string Keystone::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v3";
}

std::string Keystone::log() const {
  return ReadFile(dir_.path() + "/keystone.log") +
         ReadFile(dir_.path() + "/server.log");
}

bool Keystone::CopyTemplate() {
  std::string error;
  const std::string from = TemplateDir(&error);
  if (from.empty()) {
    WriteFile(dir_.path() + "/server.log", error + "\n");
    return false;
  }
  const std::string& dir = dir_.path();
  for (const char* sub : {"/fernet-keys", "/credential-keys"}) {
    fs::copy(from + sub, dir + sub, fs::copy_options::recursive);
  }
  for (const char* file : {"/keystone.db", "/keystone.db-wal"}) {
    if (fs::exists(from + file)) fs::copy_file(from + file, dir + file);
  }
  MakeLayout(dir, token_expiration_);
  seed_ = SeedFromJson(Json::parse(ReadFile(from + "/seed.json")));
  return SetCatalogUrls(
      dir, url(),
      "http://127.0.0.1:" + std::to_string(compute_port_) + "/v2.1");
}

bool Keystone::Start() {
  if (!copied_) {
    if (!CopyTemplate()) return false;
    copied_ = true;
  }
  server_ = StartServer(dir_.path(), port_);
  return server_ != nullptr;
}

void Keystone::Stop() {
  if (server_) server_->Stop();
  server_.reset();
}

HttpReply Keystone::Call(const std::string& method, const std::string& path,
                         const std::string& token, const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"}};
  if (!token.empty()) headers.emplace_back("X-Auth-Token", token);
  last_reply_ = HttpCall(port_, method, path, headers, body);
  return last_reply_;
}

std::string Keystone::Token(const std::string& user,
                            const std::string& password,
                            const std::string& project_id) {
  HttpReply r = Call("POST", "/v3/auth/tokens", "",
                     PasswordAuth(user, password, {{"id", project_id}}));
  return r.status == 201 ? r.Header("X-Subject-Token").value_or("") : "";
}

std::string Keystone::AdminToken() {
  return Token("admin", kKeystoneAdminPassword, seed_.admin_project_id);
}

bool Keystone::Revoke(const std::string& token) {
  std::string admin = AdminToken();
  last_reply_ = HttpCall(port_, "DELETE", "/v3/auth/tokens",
                         {{"X-Auth-Token", admin}, {"X-Subject-Token", token}});
  return last_reply_.status == 204;
}

bool Keystone::SetComputePort(int compute_port) {
  const std::string admin = AdminToken();
  HttpReply services = Call("GET", "/v3/services?type=compute", admin);
  Json list = Json::parse(services.body, nullptr, false);
  if (services.status != 200 || !list.contains("services") ||
      list["services"].empty()) {
    return false;
  }
  const std::string service = list["services"][0].value("id", "");
  HttpReply endpoints =
      Call("GET", "/v3/endpoints?service_id=" + service, admin);
  Json found = Json::parse(endpoints.body, nullptr, false);
  if (endpoints.status != 200 || !found.contains("endpoints")) return false;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(compute_port) + "/v2.1";
  for (const Json& endpoint : found["endpoints"]) {
    HttpReply r = Call("PATCH", "/v3/endpoints/" + endpoint.value("id", ""),
                       admin, Json{{"endpoint", {{"url", url}}}}.dump());
    if (r.status != 200) return false;
  }
  compute_port_ = compute_port;
  return true;
}

}  // namespace porthole::testing
