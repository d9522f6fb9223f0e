// Measures porthole-agent as deployed: the real binary on a libvirt
// test-driver host with N domains, called over gRPC on loopback.
// Prints GetConsole and ListDomains latency (p50/p99), then the agent's idle
// RSS and CPU over an idle period.
//
//   agent_bench [--agent build/agent/porthole-agent] [--domains 500]
//               [--calls 5000] [--idle-seconds 30]
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "porthole/agent/v1/agent.grpc.pb.h"
#include "tests/support/proc_status.h"

namespace v1 = porthole::agent::v1;
using Clock = std::chrono::steady_clock;

namespace {

std::string Arg(int argc, char** argv, const std::string& name,
                const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

std::string Uuid(int i) {
  return absl::StrFormat("00000000-0000-4000-8000-%012d", i);
}

std::string NodeXml(int domains) {
  std::string xml = "<node>\n";
  for (int i = 0; i < domains; ++i) {
    xml += absl::StrFormat(
        "<domain type='test'><name>instance-%08x</name><uuid>%s</uuid>"
        "<metadata><nova:instance "
        "xmlns:nova='http://openstack.org/xmlns/libvirt/nova/1.1'>"
        "<nova:name>vm-%d</nova:name><nova:owner><nova:user "
        "uuid='u'>u</nova:user>"
        "<nova:project "
        "uuid='p'>p</nova:project></nova:owner></nova:instance></metadata>"
        "<memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type "
        "arch='i686'>hvm</type></os>"
        "<devices><graphics type='vnc' port='%d' autoport='no' "
        "listen='0.0.0.0'/>"
        "<serial type='tcp'><source mode='bind' host='127.0.0.1' "
        "service='%d'/></serial>"
        "</devices></domain>\n",
        i + 1, Uuid(i), i, 5900 + i % 5000, 10000 + i);
  }
  return xml + "</node>\n";
}

struct Stats {
  double p50_us, p99_us, mean_us;
};

Stats Summarize(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  double sum = 0;
  for (double v : us) sum += v;
  return {us[us.size() / 2], us[us.size() * 99 / 100], sum / us.size()};
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string agent =
      Arg(argc, argv, "agent", "build/agent/porthole-agent");
  const int domains = std::atoi(Arg(argc, argv, "domains", "500").c_str());
  const int calls = std::atoi(Arg(argc, argv, "calls", "5000").c_str());
  const int idle_seconds =
      std::atoi(Arg(argc, argv, "idle-seconds", "30").c_str());
  const std::string port = Arg(argc, argv, "port", "16599");

  char dir_template[] = "/tmp/porthole-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string node = dir + "/node.xml";
  std::ofstream(node) << NodeXml(domains);

  std::vector<std::string> args = {agent,
                                   "--config",
                                   "/dev/null",
                                   "--libvirt-uri",
                                   "test://" + node,
                                   "--listen",
                                   "127.0.0.1:" + port,
                                   "--log-level",
                                   "warning"};
  std::vector<char*> argvp;
  for (auto& a : args) argvp.push_back(a.data());
  argvp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, agent.c_str(), nullptr, nullptr, argvp.data(),
                  environ) != 0) {
    std::fprintf(stderr, "cannot start %s\n", agent.c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel("127.0.0.1:" + port,
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ConsoleAgent::NewStub(channel);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10))) {
    std::fprintf(stderr, "agent did not start\n");
    kill(pid, SIGKILL);
    return 1;
  }
  // Wait until the inventory holds every domain.
  for (;;) {
    grpc::ClientContext ctx;
    v1::ListDomainsResponse r;
    if (stub->ListDomains(&ctx, {}, &r).ok() && r.domains_size() == domains)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  std::vector<double> get_us;
  for (int i = 0; i < calls; ++i) {
    v1::GetConsoleRequest request;
    request.set_uuid(Uuid(i % domains));
    request.set_protocol(v1::PROTOCOL_VNC);
    v1::GetConsoleResponse response;
    grpc::ClientContext ctx;
    auto start = Clock::now();
    grpc::Status s = stub->GetConsole(&ctx, request, &response);
    get_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count());
    if (!s.ok() || !response.has_console()) {
      std::fprintf(stderr, "GetConsole failed: %s\n",
                   s.error_message().c_str());
      kill(pid, SIGKILL);
      return 1;
    }
  }
  std::vector<double> list_us;
  for (int i = 0; i < std::max(50, calls / 10); ++i) {
    grpc::ClientContext ctx;
    v1::ListDomainsResponse r;
    auto start = Clock::now();
    stub->ListDomains(&ctx, {}, &r);
    list_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count());
  }
  Stats get = Summarize(get_us), list = Summarize(list_us);
  std::printf(
      "agent_bench: %d domains, %d GetConsole calls, %zu ListDomains calls\n",
      domains, calls, list_us.size());
  std::printf("GetConsole   p50 %8.1f us  p99 %8.1f us  mean %8.1f us\n",
              get.p50_us, get.p99_us, get.mean_us);
  std::printf("ListDomains  p50 %8.1f us  p99 %8.1f us  mean %8.1f us\n",
              list.p50_us, list.p99_us, list.mean_us);

  channel.reset();
  stub.reset();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double cpu_before = CpuSeconds(pid);
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  const double cpu_after = CpuSeconds(pid);
  // RssFile is mostly shared libraries' code (gRPC, libvirt, OpenSSL),
  // shared with every other process that maps them; RssAnon is the agent's
  // own memory (with the in-process test driver, libvirt's domain objects
  // live here too, where a real host keeps them in libvirtd).
  std::printf(
      "idle %ds: RSS %ld KiB (anon %ld KiB, file %ld KiB), threads %ld, CPU "
      "%.3f s (%.4f%% of one core)\n",
      idle_seconds, porthole::testing::ProcStatusField(pid, "VmRSS"),
      porthole::testing::ProcStatusField(pid, "RssAnon"),
      porthole::testing::ProcStatusField(pid, "RssFile"),
      porthole::testing::ProcStatusField(pid, "Threads"),
      cpu_after - cpu_before, 100.0 * (cpu_after - cpu_before) / idle_seconds);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::remove(node.c_str());
  rmdir(dir.c_str());
  return 0;
}
