#include "tests/support/haproxy_balancer.h"

namespace porthole::testing {
namespace {

constexpr char kHaproxy[] = "/usr/sbin/haproxy";

}  // namespace

HaproxyBalancer::~HaproxyBalancer() { Stop(); }

void HaproxyBalancer::AddService(const std::string& name, int port,
                                 const std::vector<int>& backend_ports,
                                 const std::string& check_path) {
  services_.push_back({name, port, backend_ports, check_path});
}

std::string HaproxyBalancer::Config() const {
  // Every request and health change goes to the log (Log()).
  // `timeout tunnel` holds an upgraded WebSocket open; `retries` with
  // `redispatch` sends a connection a dead backend refused to the next one.
  std::string config =
      "global\n  maxconn 2000\n  log stdout format raw local0\n\n"
      "defaults\n  mode http\n  log global\n  option httplog\n"
      "  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n"
      "  timeout tunnel 1h\n  retries 3\n  option redispatch 1\n";
  for (const Service& s : services_) {
    config += "\nfrontend " + s.name +
              "\n  bind 127.0.0.1:" + std::to_string(s.port) +
              "\n  default_backend " + s.name + "_replicas\n\nbackend " +
              s.name + "_replicas\n  balance roundrobin\n";
    if (!s.check_path.empty()) {
      config += "  option httpchk GET " + s.check_path + "\n";
    }
    config += "  default-server inter 300ms fall 2 rise 1\n";
    for (size_t i = 0; i < s.backends.size(); ++i) {
      config += "  server r" + std::to_string(i + 1) +
                " 127.0.0.1:" + std::to_string(s.backends[i]) + " check\n";
    }
  }
  return config;
}

bool HaproxyBalancer::Start() {
  const std::string path = dir_.path() + "/haproxy.cfg";
  WriteFile(path, Config());
  std::string out;
  if (RunCommand({kHaproxy, "-c", "-f", path}, &out) != 0) {
    error_ = "haproxy -c refused the config: " + out + "\n" + Config();
    return false;
  }
  // -db: in the foreground, not forked, so the PID is haproxy's own.
  haproxy_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kHaproxy, "-db", "-f", path},
      std::vector<std::string>{}, dir_.path() + "/haproxy.log");
  for (const Service& s : services_) {
    if (!WaitForTcpPort("127.0.0.1", s.port, std::chrono::seconds(10)) ||
        !haproxy_->running()) {
      error_ =
          "haproxy did not listen on " + std::to_string(s.port) + ": " + Log();
      return false;
    }
  }
  return true;
}

void HaproxyBalancer::Stop() {
  if (haproxy_ != nullptr) haproxy_->Stop();
  haproxy_.reset();
}

std::string HaproxyBalancer::Log() const {
  return ReadFile(dir_.path() + "/haproxy.log");
}

}  // namespace porthole::testing
