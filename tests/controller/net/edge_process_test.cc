// The network edge as deployed: the real porthole-controller (and agent),
// configured the ways that used to differ between the API and the proxies.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/controller_stack.h"
#include "tests/support/http_client.h"
#include "tests/support/raw_socket.h"

namespace porthole::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Appends to the stack's config file (after its ports are picked; a later
// section repeats and a repeated key keeps its last value).
void AppendConfig(ControllerStack& stack, const std::string& text) {
  WriteFile(stack.config_path(), ReadFile(stack.config_path()) + text);
}

// User plus system CPU time of `pid` so far, in seconds.
double CpuSeconds(pid_t pid) {
  std::istringstream stat(ReadFile("/proc/" + std::to_string(pid) + "/stat"));
  std::string field;
  // Fields 14 and 15 (utime, stime) follow "pid (comm) state ..."; comm has
  // no spaces here.
  for (int i = 1; i <= 13; ++i) stat >> field;
  long utime = 0, stime = 0;
  stat >> utime >> stime;
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

// The descriptor number the process would get next.
int LowestFreeFd(pid_t pid) {
  std::set<int> open;
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') open.insert(std::atoi(e->d_name));
  }
  closedir(d);
  int fd = 0;
  while (open.contains(fd)) ++fd;
  return fd;
}

std::string Get(int port, const std::string& target) {
  RawSocket client;
  if (!client.Connect(port)) return "<no connect>";
  client.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  return client.ReadResponse();
}

TEST(NetworkEdgeProcess, ApiListensOnAHostName) {
  ControllerStack stack;
  AppendConfig(stack, "[api]\nlisten = localhost:" +
                          std::to_string(stack.api_port()) + "\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  EXPECT_NE(stack.ControllerLog().find("address=localhost:" +
                                       std::to_string(stack.api_port())),
            std::string::npos)
      << stack.ControllerLog();
  EXPECT_EQ(HttpCall(stack.api_port(), "GET", "/v2.1").status, 200);
}

TEST(NetworkEdgeProcess, DualStackListeners_LogIpv4PeersPlainly) {
  ControllerStack stack;
  AppendConfig(stack,
               "[api]\nlisten = [::]:" + std::to_string(stack.api_port()) +
                   "\n[vnc]\nnovncproxy_host = ::\n");
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  EXPECT_EQ(HttpCall(stack.api_port(), "GET", "/v2.1/servers",
                     {{"X-Auth-Token", kAliceToken}})
                .status,
            200);
  RawSocket ws;
  ASSERT_TRUE(ws.Connect(stack.novnc_port()));
  ws.Send(
      "GET /?token=nope HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(ws.ReadResponse().rfind("HTTP/1.1 403", 0), 0u);
  ASSERT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find("upgrade rejected") !=
               std::string::npos;
      },
      seconds(5)));
  const std::string log = stack.ControllerLog();
  EXPECT_NE(log.find("path=/v2.1/servers status=200"), std::string::npos)
      << log;
  EXPECT_NE(log.find("peer=127.0.0.1"), std::string::npos) << log;
  EXPECT_EQ(log.find("::ffff:"), std::string::npos) << log;
}

TEST(NetworkEdgeProcess, OutOfDescriptors_AcceptPausesInsteadOfSpinning) {
  ControllerStack stack;
  ASSERT_TRUE(stack.Start()) << stack.ControllerLog();
  const pid_t pid = stack.controller()->pid();
  rlimit saved{};
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, nullptr, &saved), 0);
  // No descriptor left: every accept fails with EMFILE while the clients
  // wait in the listen queue.
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(LowestFreeFd(pid));
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0);
  std::vector<std::unique_ptr<RawSocket>> waiting;
  for (int i = 0; i < 10; ++i) {
    for (int port : {stack.api_port(), stack.novnc_port()}) {
      waiting.push_back(std::make_unique<RawSocket>());
      ASSERT_TRUE(waiting.back()->Connect(port));
    }
  }
  std::this_thread::sleep_for(milliseconds(300));
  const double before = CpuSeconds(pid);
  std::this_thread::sleep_for(seconds(2));
  const double used = CpuSeconds(pid) - before;
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &saved, nullptr), 0);

  // A spinning accept loop burns a whole core (2 s here).
  EXPECT_LT(used, 0.4) << "CPU seconds in 2 s with no descriptors";
  const std::string log = stack.ControllerLog();
  EXPECT_NE(log.find("accept failed, pausing listener=api"), std::string::npos)
      << log;
  EXPECT_NE(log.find("accept failed, pausing listener=novnc"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("Too many open files"), std::string::npos);

  // Descriptors back: the queued clients are served.
  for (size_t i = 0; i < waiting.size(); i += 2) {
    waiting[i]->Send("GET /v2.1 HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(waiting[i]->ReadResponse().rfind("HTTP/1.1 200", 0), 0u) << i;
  }
  EXPECT_EQ(Get(stack.novnc_port(), "/vnc_lite.html").rfind("HTTP/1.1 ", 0),
            0u);
  EXPECT_TRUE(WaitFor(
      [&] {
        return stack.ControllerLog().find("accepting again listener=api") !=
               std::string::npos;
      },
      seconds(5)));
}

}  // namespace
}  // namespace porthole::testing
