#ifndef PORTHOLE_TESTS_SUPPORT_HAPROXY_BALANCER_H_
#define PORTHOLE_TESTS_SUPPORT_HAPROXY_BALANCER_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace porthole::testing {

// Debian's haproxy as the load balancer in front of several controller
// replicas: one frontend per service on a free 127.0.0.1 port, relaying
// HTTP and WebSocket upgrades round-robin to that service's backends on
// loopback. Health checks every 300 ms (an HTTP GET when the service names
// a path, else a TCP connect) take a dead backend out after two failures,
// and a connection refused by one is redispatched to another. The config
// goes to a temporary directory and is checked with `haproxy -c` before
// haproxy runs in the foreground; the destructor kills it by PID. Not
// thread-safe.
class HaproxyBalancer {
 public:
  HaproxyBalancer() = default;
  ~HaproxyBalancer();
  HaproxyBalancer(const HaproxyBalancer&) = delete;
  HaproxyBalancer& operator=(const HaproxyBalancer&) = delete;

  // Before Start: a service on 127.0.0.1:`port` (PickFreePort) balanced
  // over `backend_ports` (loopback), health-checked with GET `check_path`
  // when it is not empty.
  void AddService(const std::string& name, int port,
                  const std::vector<int>& backend_ports,
                  const std::string& check_path = "");
  // Writes and checks the config, starts haproxy and waits until every
  // frontend accepts connections. False with the reason in error().
  bool Start();
  void Stop();

  const std::string& error() const { return error_; }
  std::string Log() const;

 private:
  struct Service {
    std::string name;
    int port = 0;
    std::vector<int> backends;
    std::string check_path;
  };
  std::string Config() const;

  TempDir dir_;
  std::vector<Service> services_;
  std::unique_ptr<ChildProcess> haproxy_;
  std::string error_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_HAPROXY_BALANCER_H_
