#include "tests/support/test_pki.h"

#include <sys/wait.h>

#include <chrono>
#include <vector>

#include "tests/support/child_process.h"

namespace porthole::testing {
namespace {

// What `openssl req` needs besides the command line: a CA's extensions.
constexpr char kConfig[] = R"([req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
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

bool TestPki::Run(const std::vector<std::string>& argv) {
  const std::string log = dir_ + "/openssl.log";
  ChildProcess openssl(argv, {}, log);
  const std::optional<int> status = openssl.Wait(std::chrono::seconds(30));
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return true;
  error_ = "openssl failed: " + ReadFile(log);
  return false;
}

bool TestPki::Init(const std::string& common_name) {
  WriteFile(dir_ + "/ca.cnf", kConfig);
  return Run({"openssl",
              "req",
              "-x509",
              "-config",
              dir_ + "/ca.cnf",
              "-extensions",
              "ca",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:P-256",
              "-nodes",
              "-keyout",
              dir_ + "/ca-key.pem",
              "-out",
              ca_cert(),
              "-days",
              "1",
              "-subj",
              "/CN=" + common_name});
}

bool TestPki::IssueServer(const std::string& name, const std::string& san) {
  return Issue(name, "/CN=" + name,
               LeafSection("serverAuth") + "subjectAltName = " + san + "\n");
}

bool TestPki::IssueClient(const std::string& name,
                          const std::string& common_name) {
  return Issue(name, "/CN=" + common_name, LeafSection("clientAuth"));
}

bool TestPki::Issue(const std::string& name, const std::string& subject,
                    const std::string& leaf_section) {
  const std::string config = dir_ + "/" + name + ".cnf";
  WriteFile(config, std::string(kConfig) + leaf_section);
  return Run({"openssl",
              "req",
              "-x509",
              "-config",
              config,
              "-extensions",
              "leaf",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:P-256",
              "-nodes",
              "-keyout",
              key(name),
              "-out",
              cert(name),
              "-days",
              "1",
              "-subj",
              subject,
              "-CA",
              ca_cert(),
              "-CAkey",
              dir_ + "/ca-key.pem"});
}

}  // namespace porthole::testing
