#ifndef PORTHOLE_TESTS_SUPPORT_ETCD_CLUSTER_H_
#define PORTHOLE_TESTS_SUPPORT_ETCD_CLUSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace porthole::testing {

// A real etcd (Debian's etcd-server) of one or more members on free
// loopback ports, data and logs (`--logger zap --log-outputs`) in a
// temporary directory. Optionally TLS on the client port, with client
// certificates required (`--client-cert-auth`): pass the CA and the
// member's certificate and key (tests/support/test_pki.h). Members are
// started by Start (ready when `etcdctl endpoint health` says so) and
// killed by PID in the destructor, even when the test failed. Not
// thread-safe.
class EtcdCluster {
 public:
  struct Tls {
    std::string ca_file;
    std::string cert_file;  // the members' server certificate
    std::string key_file;
    std::string client_cert_file;  // what etcdctl presents
    std::string client_key_file;
  };

  explicit EtcdCluster(int members = 1, std::optional<Tls> tls = {});
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Starts every member and waits until each is healthy; false with the
  // reason in error() (and the members' logs) otherwise.
  bool Start();
  // SIGKILLs member `i` (as a crash would); its data stays.
  void Kill(int i);
  // Starts member `i` again on its data and ports and waits until healthy.
  bool Restart(int i);
  // The index of the current leader, or -1 when none is known.
  int Leader();

  int size() const { return static_cast<int>(members_.size()); }
  // "127.0.0.1:C1,127.0.0.1:C2,..."
  std::string Endpoints() const;
  // "etcd://127.0.0.1:C1,.../PREFIX" (etcds:// with TLS, no query).
  std::string StoreUrl(const std::string& prefix) const;
  // Runs etcdctl (API v3) against every member with `args`; its stdout,
  // or nullopt when it failed (the reason in error()).
  std::optional<std::string> Etcdctl(const std::vector<std::string>& args);
  std::string Logs() const;
  const std::string& error() const { return error_; }

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::unique_ptr<ChildProcess> process;
  };

  void Launch(int i);
  bool WaitHealthy(int i);
  std::string ClientUrl(int i) const;
  std::vector<std::string> EtcdctlTlsArgs() const;

  TempDir dir_;
  std::optional<Tls> tls_;
  std::vector<Member> members_;
  std::string error_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_ETCD_CLUSTER_H_
