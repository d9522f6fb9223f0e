#ifndef PORTHOLE_TESTS_SUPPORT_TEST_PKI_H_
#define PORTHOLE_TESTS_SUPPORT_TEST_PKI_H_

#include <string>
#include <vector>

namespace porthole::testing {

// A certificate authority made with the `openssl` command line in a test's
// directory, and the certificates it signs (P-256 keys, valid for a day,
// the extensions QEMU's and GnuTLS's checks ask for). Files are PEM and
// named after QEMU's tls-creds-x509 layout: `DIR/ca-cert.pem` and, for an
// identity NAME, `DIR/NAME-cert.pem` and `DIR/NAME-key.pem`, so a directory
// holding a CA and a "server" identity is a QEMU `dir=`. Each call runs
// openssl and waits for it; false (and the reason in error()) when it fails.
class TestPki {
 public:
  // Nothing is made until Init.
  explicit TestPki(std::string dir);

  // The CA, with `common_name`.
  bool Init(const std::string& common_name = "Porthole test CA");
  // A server certificate for `san` ("IP:127.0.0.1", "DNS:compute-a,...").
  bool IssueServer(const std::string& name, const std::string& san);
  // A client certificate (clientAuth) for `common_name`.
  bool IssueClient(const std::string& name, const std::string& common_name);

  const std::string& dir() const { return dir_; }
  std::string ca_cert() const { return dir_ + "/ca-cert.pem"; }
  std::string cert(const std::string& name) const {
    return dir_ + "/" + name + "-cert.pem";
  }
  std::string key(const std::string& name) const {
    return dir_ + "/" + name + "-key.pem";
  }
  const std::string& error() const { return error_; }

 private:
  // `openssl req -x509` with the extensions of `section` (an INI section,
  // "[name]\n..."), self-signed or signed by the CA; the config is kept as
  // DIR/NAME.cnf.
  bool Req(const std::string& name, const std::string& section,
           const std::string& key_path, const std::string& cert_path,
           const std::string& subject, bool signed_by_ca);

  std::string dir_;
  std::string error_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_TEST_PKI_H_
