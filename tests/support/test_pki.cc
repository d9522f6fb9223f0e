#include "tests/support/test_pki.h"

#include <sys/wait.h>

#include <chrono>
#include <vector>

#include "tests/support/child_process.h"

namespace porthole::testing {
namespace {

// What `openssl req` needs besides the command line and the extensions.
constexpr char kConfig[] = R"([req]
distinguished_name = dn
prompt = no
[dn]
)";

// A leaf certificate's extensions for `purpose` (serverAuth, clientAuth).
std::string LeafSection(const std::string& purpose) {
  return "[leaf]\n"
         "basicConstraints = critical,CA:FALSE\n"
         "keyUsage = critical,digitalSignature,keyEncipherment\n"
         "extendedKeyUsage = " +
         purpose +
         "\n"
         "subjectKeyIdentifier = hash\n"
         "authorityKeyIdentifier = keyid\n";
}

}  // namespace

TestPki::TestPki(std::string dir) : dir_(std::move(dir)) {}

bool TestPki::Init(const std::string& common_name) {
  return Req("ca",
             "[ca]\n"
             "basicConstraints = critical,CA:TRUE\n"
             "keyUsage = critical,keyCertSign,cRLSign\n"
             "subjectKeyIdentifier = hash\n",
             dir_ + "/ca-key.pem", ca_cert(), "/CN=" + common_name, false);
}

bool TestPki::IssueServer(const std::string& name, const std::string& san) {
  return Req(name, LeafSection("serverAuth") + "subjectAltName = " + san + "\n",
             key(name), cert(name), "/CN=" + name, true);
}

bool TestPki::IssueClient(const std::string& name,
                          const std::string& common_name) {
  return Req(name, LeafSection("clientAuth"), key(name), cert(name),
             "/CN=" + common_name, true);
}

bool TestPki::Req(const std::string& name, const std::string& section,
                  const std::string& key_path, const std::string& cert_path,
                  const std::string& subject, bool signed_by_ca) {
  const std::string config = dir_ + "/" + name + ".cnf";
  WriteFile(config, std::string(kConfig) + section);
  // The section's name is its first line's, without the brackets.
  const std::string extensions = section.substr(1, section.find(']') - 1);
  std::vector<std::string> argv = {"openssl",
                                   "req",
                                   "-x509",
                                   "-config",
                                   config,
                                   "-extensions",
                                   extensions,
                                   "-newkey",
                                   "ec",
                                   "-pkeyopt",
                                   "ec_paramgen_curve:P-256",
                                   "-nodes",
                                   "-keyout",
                                   key_path,
                                   "-out",
                                   cert_path,
                                   "-days",
                                   "1",
                                   "-subj",
                                   subject};
  if (signed_by_ca) {
    argv.insert(argv.end(), {"-CA", ca_cert(), "-CAkey", dir_ + "/ca-key.pem"});
  }
  const std::string log = dir_ + "/openssl.log";
  ChildProcess openssl(argv, {}, log);
  const std::optional<int> status = openssl.Wait(std::chrono::seconds(30));
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return true;
  error_ = "openssl failed: " + ReadFile(log);
  return false;
}

}  // namespace porthole::testing
