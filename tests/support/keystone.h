#ifndef PORTHOLE_TESTS_SUPPORT_KEYSTONE_H_
#define PORTHOLE_TESTS_SUPPORT_KEYSTONE_H_

#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/http_client.h"

namespace porthole::testing {

// Who the seeded Keystone holds (ids are Keystone's, fixed by the template).
// Domain "default" everywhere; every password is "<name>-pw" except the
// bootstrap admin's (kKeystoneAdminPassword).
struct KeystoneSeed {
  std::string admin_project_id;    // project "admin": admin has role admin
  std::string demo_project_id;     // alice member, rita reader
  std::string other_project_id;    // bob member
  std::string service_project_id;  // porthole: service; porthole-member: member
  std::string admin_id, alice_id, rita_id, bob_id, porthole_id;
  // An application credential of alice's (on demo, her roles).
  std::string app_credential_id;
  std::string app_credential_secret;
};

inline constexpr char kKeystoneAdminPassword[] = "admin-secret";

// A real Keystone (Debian's python3-keystone, keystone-wsgi-public on
// /usr/bin/python3, SQLite in WAL mode, fernet tokens) on a free loopback
// port, from a template made once per build tree (guarded by a lock file;
// ~10 s) and copied per instance (~2 s to start). The template is seeded by
// REST as the bootstrap admin: KeystoneSeed's projects and users, role
// `service`, and a `compute` service whose public/internal/admin endpoints
// are http://127.0.0.1:<compute_port>/v2.1. Every copy has the same fernet
// keys, so a token issued by one instance validates on another (two
// instances with different token expirations make expired tokens).
// Stopped by PID (SIGTERM) when it goes away. Not thread-safe.
class Keystone {
 public:
  explicit Keystone(int compute_port, int token_expiration_seconds = 3600);
  ~Keystone();
  Keystone(const Keystone&) = delete;
  Keystone& operator=(const Keystone&) = delete;

  // Copies the template (first start only), starts the server and waits
  // until it answers. False with the reason in log() otherwise.
  bool Start();
  void Stop();

  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:<port>/v3
  const KeystoneSeed& seed() const { return seed_; }
  std::string log() const;

  // A project-scoped token by password ("" when refused; see last_reply()).
  std::string Token(const std::string& user, const std::string& password,
                    const std::string& project_id);
  std::string AdminToken();
  // DELETE /v3/auth/tokens as the admin: true on 204.
  bool Revoke(const std::string& token);
  // Points the catalog's compute endpoints at another port.
  bool SetComputePort(int compute_port);
  // Any REST call to this Keystone.
  HttpReply Call(const std::string& method, const std::string& path,
                 const std::string& token, const std::string& body = "");
  const HttpReply& last_reply() const { return last_reply_; }

 private:
  bool CopyTemplate();

  TempDir dir_;
  int port_;
  int compute_port_;
  int token_expiration_;
  bool copied_ = false;
  KeystoneSeed seed_;
  HttpReply last_reply_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_KEYSTONE_H_
