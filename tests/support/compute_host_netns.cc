#include "tests/support/compute_host_netns.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <regex>
#include <sstream>
#include <vector>

#include "tests/support/domain_fixtures.h"

namespace porthole::testing {
namespace {

constexpr char kPrefix[] = "phc";
// Held while a subnet is picked and its address added, so two test
// processes never take the same one.
constexpr char kLockFile[] = "/run/porthole-test-netns.lock";

bool PidGone(long pid) {
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// The test pid in a "phc<pid>-<index>[r]" name, or 0 when it is not ours.
long OwnerPid(const std::string& name) {
  static const std::regex kName("^phc([0-9]+)-[0-9]+r?$");
  std::smatch m;
  return std::regex_match(name, m, kName) ? std::stol(m[1].str()) : 0;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class FileLock {
 public:
  explicit FileLock(const char* path)
      : fd_(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_ >= 0) flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

// The first 10.213.S.0/24 that no address or route of the machine mentions.
int FreeSubnet() {
  std::string addresses, routes;
  RunCommand({"ip", "-o", "-4", "addr", "show"}, &addresses);
  RunCommand({"ip", "-4", "route", "show", "table", "all"}, &routes);
  for (int s = 1; s < 255; ++s) {
    const std::string net = "10.213." + std::to_string(s) + ".";
    if (addresses.find(net) == std::string::npos &&
        routes.find(net) == std::string::npos) {
      return s;
    }
  }
  return 0;
}

}  // namespace

ComputeHostNetns::ComputeHostNetns(int index)
    : name_("compute-" + std::to_string(index)),
      netns_(kPrefix + std::to_string(getpid()) + "-" + std::to_string(index)),
      root_veth_(netns_ + "r"),
      guest_name_("guest-" + std::to_string(index)),
      guest_uuid_("c1a55e00-0000-4000-8000-0000000000" +
                  std::string(index < 10 ? "0" : "") + std::to_string(index)) {}

ComputeHostNetns::~ComputeHostNetns() {
  if (agent_ != nullptr) agent_->Stop();
  agent_.reset();
  libvirtd_.reset();  // the daemon, then its guests, by PID
  if (netns_made_) {
    // The veth's inner end goes with the namespace, and its peer with it.
    RunCommand({"ip", "netns", "del", netns_});
    RunCommand({"ip", "link", "del", root_veth_});
  }
}

void ComputeHostNetns::RemoveStale() {
  std::string out;
  RunCommand({"ip", "netns", "list"}, &out);
  for (const std::string& line : Lines(out)) {
    const std::string name = line.substr(0, line.find(' '));
    const long pid = OwnerPid(name);
    if (pid == 0 || !PidGone(pid)) continue;
    std::string pids;
    RunCommand({"ip", "netns", "pids", name}, &pids);
    for (const std::string& p : Lines(pids)) {
      if (!p.empty()) kill(static_cast<pid_t>(std::stol(p)), SIGKILL);
    }
    RunCommand({"ip", "netns", "del", name});
  }
  RunCommand({"ip", "-o", "link", "show"}, &out);
  static const std::regex kLink("^[0-9]+: ([^:@]+)");
  for (const std::string& line : Lines(out)) {
    std::smatch m;
    if (!std::regex_search(line, m, kLink)) continue;
    const long pid = OwnerPid(m[1].str());
    if (pid != 0 && PidGone(pid)) RunCommand({"ip", "link", "del", m[1].str()});
  }
}

bool ComputeHostNetns::Fail(std::string why) {
  error_ = name_ + ": " + std::move(why) + "\n" + Logs();
  return false;
}

std::string ComputeHostNetns::AgentEntry() const {
  return name_ + "=" + address_ + ":" + std::to_string(kAgentPort);
}

bool ComputeHostNetns::MakeNamespace() {
  FileLock lock(kLockFile);
  RemoveStale();
  const int subnet = FreeSubnet();
  if (subnet == 0) return Fail("no free 10.213.S.0/24");
  const std::string net = "10.213." + std::to_string(subnet) + ".";
  address_ = net + "2";
  const std::string inner = netns_ + "n";
  const std::vector<std::vector<std::string>> steps = {
      {"ip", "netns", "add", netns_},
      {"ip", "link", "add", root_veth_, "type", "veth", "peer", "name", inner,
       "netns", netns_},
      {"ip", "addr", "add", net + "1/24", "dev", root_veth_},
      {"ip", "link", "set", root_veth_, "up"},
      {"ip", "-n", netns_, "addr", "add", address_ + "/24", "dev", inner},
      {"ip", "-n", netns_, "link", "set", inner, "up"},
      {"ip", "-n", netns_, "link", "set", "lo", "up"}};
  for (const std::vector<std::string>& step : steps) {
    std::string out;
    if (RunCommand(step, &out) != 0) {
      return Fail(step[1] + " " + step[2] + " failed: " + out);
    }
    netns_made_ = true;
  }
  return true;
}

bool ComputeHostNetns::StartGuest() {
  libvirtd_ = std::make_unique<Libvirtd>();
  libvirtd_->set_netns(netns_);
  if (!libvirtd_->Start()) return Fail("libvirtd did not start");
  std::string out;
  if (!libvirtd_->CreateGuest(
          QemuVncDomainXml(guest_name_, guest_uuid_, address_), &out)) {
    return Fail("virsh create: " + out);
  }
  // The live XML has the autoport libvirt gave the guest.
  static const std::regex kPort("<graphics type='vnc' port='([0-9]+)'");
  const std::string xml = libvirtd_->GuestXml(guest_name_);
  std::smatch m;
  if (!std::regex_search(xml, m, kPort)) return Fail("no VNC port in " + xml);
  vnc_port_ = std::stoi(m[1].str());
  if (!WaitForTcpPort(address_, vnc_port_, std::chrono::seconds(15))) {
    return Fail("the guest's VNC port " + std::to_string(vnc_port_) +
                " does not answer");
  }
  return true;
}

bool ComputeHostNetns::StartAgent() {
  agent_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"ip", "netns", "exec", netns_, AgentBinary(),
                               "--config", "/dev/null", "--libvirt-uri",
                               libvirtd_->qemu_uri(), "--listen",
                               address_ + ":" + std::to_string(kAgentPort)},
      std::vector<std::string>{}, dir_.path() + "/agent.log");
  if (!WaitForTcpPort(address_, kAgentPort, std::chrono::seconds(15)) ||
      !agent_->running()) {
    return Fail("the agent did not come up");
  }
  return true;
}

bool ComputeHostNetns::Start() {
  return MakeNamespace() && StartGuest() && StartAgent();
}

bool ComputeHostNetns::DestroyGuest() {
  std::string out;
  if (!libvirtd_->DestroyGuest(guest_name_, &out)) {
    return Fail("virsh destroy: " + out);
  }
  return true;
}

std::string ComputeHostNetns::Logs() const {
  return "--- " + name_ + " agent:\n" + ReadFile(dir_.path() + "/agent.log") +
         "--- " + name_ + " libvirtd:\n" +
         (libvirtd_ != nullptr ? libvirtd_->ReadLog() : "");
}

}  // namespace porthole::testing
