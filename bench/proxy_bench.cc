// Measures the console proxy against what an operator could run instead, on
// one machine, in one run, alternating, 3 rounds, medians:
//   porthole    ConsoleProxy in its own process (this binary, --serve), with
//               a SQLite token store and the Fleet over a real porthole-agent
//               (so every connect pays the token lookup and the gRPC re-check)
//   bare        bench/bare_relay: a single-thread Beast WebSocket -> TCP relay
//               with no security work at all; every run reports Porthole as
//               a ratio of it (the targets: throughput >= 1.0x,
//               CPU/GiB <= 1.0x, RTT added <= bare + 10 us, connect p50 <=
//               1.5x)
//   websockify  Debian's websockify 0.10 with the TokenFile plugin
//   socat       socat -b65536 ... nodelay: a raw TCP relay (no WebSocket)
//   direct      TCP straight to the backend
// The client and the backend are native code in this process (a node or
// Python client would be the bottleneck); WebSocket frames from the client
// are masked once in advance, so the proxy does the unmasking. The proxy's
// CPU is utime+stime of its whole process tree from /proc, before/after.
//
//   proxy_bench [--mib 1024] [--rounds 3] [--sessions 1000]
//               [--targets porthole,bare,websockify,socat,direct]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/logging.h"
#include "controller/fleet/fleet.h"
#include "controller/proxy/console_proxy.h"
#include "controller/tokens/console_token.h"
#include "controller/tokens/sqlite_token_store.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"

namespace {

using Clock = std::chrono::steady_clock;
using porthole::controller::ConsoleAuthRecord;

constexpr char kUuid[] = "be0c0000-0000-4000-8000-000000000001";
constexpr size_t kMessage = 64 * 1024;

std::string Arg(int argc, char** argv, const std::string& name,
                const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == "--" + name) return argv[i + 1];
  }
  return fallback;
}

bool HasFlag(int argc, char** argv, const std::string& name) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == "--" + name) return true;
  }
  return false;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

bool WaitForPort(int port, double seconds) {
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds));
  while (Clock::now() < deadline) {
    int fd = porthole::testing::ConnectLoopback(port);
    if (fd >= 0) {
      close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool SendAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool RecvAll(int fd, char* data, size_t n) {
  while (n > 0) {
    ssize_t r = recv(fd, data, n, 0);
    if (r <= 0) return false;
    data += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// ---------------------------------------------------------------- processes

// A child process, SIGKILLed and reaped by PID when this goes away.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) !=
        0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

struct ProcStat {
  pid_t ppid = 0;
  double cpu = 0;           // utime + stime, seconds
  double children_cpu = 0;  // cutime + cstime (reaped children)
};

// Proportional set size: shared pages split among the processes that map
// them, so forked proxies (websockify, socat) are not counted many times.
long PssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("Pss:")) return std::atol(line.c_str() + 4);
  }
  return 0;
}

std::optional<ProcStat> ReadStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::vector<std::string> f = absl::StrSplit(text.substr(paren + 2), ' ');
  // f[0] is field 3 (state): ppid = f[1], utime = f[11], stime = f[12],
  // cutime = f[13], cstime = f[14].
  if (f.size() < 15) return std::nullopt;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  ProcStat s;
  s.ppid = std::atoi(f[1].c_str());
  s.cpu = (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) / tick;
  s.children_cpu = (std::atof(f[13].c_str()) + std::atof(f[14].c_str())) / tick;
  return s;
}

// CPU seconds and PSS (KiB) of `root` and all its descendants (websockify and
// socat fork one process per connection).
std::pair<double, long> TreeUsage(pid_t root) {
  std::map<pid_t, ProcStat> all;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = std::atoi(entry.path().filename().c_str());
    if (pid <= 0) continue;
    if (auto s = ReadStat(pid)) all[pid] = *s;
  }
  double cpu = 0;
  long rss = 0;
  for (const auto& [pid, s] : all) {
    bool in_tree = false;
    for (pid_t p = pid; p > 1; p = all.contains(p) ? all[p].ppid : 0) {
      if (p == root) {
        in_tree = true;
        break;
      }
    }
    if (!in_tree) continue;
    cpu += s.cpu + (pid == root ? s.children_cpu : 0);
    rss += PssKib(pid);
  }
  return {cpu, rss};
}

// ---------------------------------------------------------------- backend

// The console stand-in: per connection, one command byte, then
//   'D' + u64: send that many bytes in 64 KiB writes;
//   'U' + u64: read that many bytes, answer 'K';
//   'E':       echo everything.
class Backend {
 public:
  Backend() {
    listen_fd_ = porthole::testing::ListenLoopback(4096, &port_);
    std::thread([this] { Accept(); }).detach();
  }
  int port() const { return port_; }

 private:
  void Accept() {
    for (;;) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::thread([fd] { Serve(fd); }).detach();
    }
  }
  static void Serve(int fd) {
    std::vector<char> buffer(256 * 1024, 'v');
    char command = 0;
    if (RecvAll(fd, &command, 1)) {
      uint64_t count = 0;
      if (command == 'D' && RecvAll(fd, reinterpret_cast<char*>(&count), 8)) {
        while (count > 0) {
          size_t n = std::min<uint64_t>(count, kMessage);
          if (!SendAll(fd, buffer.data(), n)) break;
          count -= n;
        }
        RecvAll(fd, buffer.data(), 1);  // until the client closes
      } else if (command == 'U' &&
                 RecvAll(fd, reinterpret_cast<char*>(&count), 8)) {
        while (count > 0) {
          ssize_t r = recv(fd, buffer.data(),
                           std::min<uint64_t>(count, buffer.size()), 0);
          if (r <= 0) break;
          count -= static_cast<uint64_t>(r);
        }
        SendAll(fd, "K", 1);
        RecvAll(fd, buffer.data(), 1);
      } else if (command == 'E') {
        for (;;) {
          ssize_t r = recv(fd, buffer.data(), buffer.size(), 0);
          if (r <= 0 || !SendAll(fd, buffer.data(), static_cast<size_t>(r))) {
            break;
          }
        }
      }
    }
    close(fd);
  }

  int listen_fd_ = -1;
  int port_ = 0;
};

// ---------------------------------------------------------------- client

// One client connection: raw TCP, or a WebSocket whose outgoing frames are
// masked (with a fixed key) and whose incoming frames are parsed in place.
class Conn {
 public:
  Conn() : in_(256 * 1024) {}
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool Open(int port, bool websocket, const std::string& target) {
    websocket_ = websocket;
    fd_ = porthole::testing::ConnectLoopback(port);
    if (fd_ < 0) return false;
    if (!websocket) return true;
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Protocol: binary\r\n\r\n";
    if (!SendAll(fd_, request.data(), request.size())) return false;
    std::string head;
    char c;
    while (head.size() < 8192 && recv(fd_, &c, 1, 0) == 1) {
      head.push_back(c);
      if (head.ends_with("\r\n\r\n")) break;
    }
    return head.starts_with("HTTP/1.1 101");
  }

  // A masked frame (or the raw bytes) ready to send any number of times.
  std::string Prepare(std::string_view payload) const {
    if (!websocket_) return std::string(payload);
    std::string frame;
    frame.push_back(static_cast<char>(0x82));
    if (payload.size() < 126) {
      frame.push_back(static_cast<char>(0x80 | payload.size()));
    } else if (payload.size() < 65536) {
      frame.push_back(static_cast<char>(0x80 | 126));
      frame.push_back(static_cast<char>(payload.size() >> 8));
      frame.push_back(static_cast<char>(payload.size() & 0xff));
    } else {
      frame.push_back(static_cast<char>(0x80 | 127));
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.push_back(
            static_cast<char>((uint64_t{payload.size()} >> shift) & 0xff));
      }
    }
    const char key[4] = {0x37, 0x5a, 0x11, 0x6c};
    frame.append(key, 4);
    for (size_t i = 0; i < payload.size(); ++i) {
      frame.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
    }
    return frame;
  }

  bool Send(const std::string& prepared) {
    return SendAll(fd_, prepared.data(), prepared.size());
  }

  // Receives `n` payload bytes, whatever the framing; answers pings.
  bool Receive(uint64_t n) {
    while (n > 0) {
      if (!websocket_) {
        ssize_t r = recv(fd_, in_.data(), std::min<uint64_t>(n, in_.size()), 0);
        if (r <= 0) return false;
        n -= static_cast<uint64_t>(r);
        continue;
      }
      if (frame_left_ == 0) {
        if (!ReadHeader()) return false;
        continue;
      }
      if (have_ == 0 && !Fill()) return false;
      uint64_t take = std::min<uint64_t>({n, frame_left_, have_});
      Consume(take);
      frame_left_ -= take;
      if (!control_) n -= take;
    }
    return true;
  }

  int fd() const { return fd_; }

 private:
  bool Fill() {
    if (start_ > 0 && have_ > 0) {
      std::memmove(in_.data(), in_.data() + start_, have_);
    }
    start_ = 0;
    ssize_t r = recv(fd_, in_.data() + have_, in_.size() - have_, 0);
    if (r <= 0) return false;
    have_ += static_cast<size_t>(r);
    return true;
  }
  void Consume(uint64_t n) {
    start_ += n;
    have_ -= n;
    if (have_ == 0) start_ = 0;
  }
  bool Need(size_t n) {
    while (have_ < n) {
      if (!Fill()) return false;
    }
    return true;
  }
  bool ReadHeader() {
    if (!Need(2)) return false;
    const uint8_t* p = reinterpret_cast<uint8_t*>(in_.data() + start_);
    int opcode = p[0] & 0x0f;
    uint64_t length = p[1] & 0x7f;
    size_t header = 2;
    if (length == 126) header = 4;
    if (length == 127) header = 10;
    if (!Need(header)) return false;
    p = reinterpret_cast<uint8_t*>(in_.data() + start_);
    if (header == 4) length = (p[2] << 8) | p[3];
    if (header == 10) {
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
    }
    Consume(header);
    if (opcode == 8) return false;  // close
    control_ = opcode >= 8;
    if (opcode == 9) {    // ping: answer with an empty pong, skip its payload
      Send(Prepare(""));  // a zero-length binary frame is harmless here
    }
    frame_left_ = length;
    return true;
  }

  int fd_ = -1;
  bool websocket_ = false;
  std::vector<char> in_;
  size_t start_ = 0;
  size_t have_ = 0;
  uint64_t frame_left_ = 0;
  bool control_ = false;
};

std::string Command(char c, uint64_t count) {
  std::string s(1, c);
  s.append(reinterpret_cast<const char*>(&count), 8);
  return s;
}

// ---------------------------------------------------------------- targets

struct Target {
  std::string name;
  int port = 0;
  bool websocket = false;
  std::string path;  // upgrade target
  pid_t pid = -1;    // proxy process; -1 for direct
};

struct Measures {
  double down_mibs = 0, up_mibs = 0;
  double down_cpu_per_gib = 0, up_cpu_per_gib = 0;
  double rtt64_p50 = 0, rtt64_p99 = 0, rtt64k_p50 = 0, rtt64k_p99 = 0;
  double connect_p50 = 0, connect_p99 = 0;
  double idle_kib = 0;
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

double ProxyCpu(const Target& t) {
  return t.pid > 0 ? TreeUsage(t.pid).first : 0;
}

void Transfer(const Target& t, bool down, uint64_t bytes, double* mibs,
              double* cpu_per_gib) {
  Conn c;
  if (!c.Open(t.port, t.websocket, t.path)) {
    std::fprintf(stderr, "%s: cannot connect\n", t.name.c_str());
    return;
  }
  const std::string chunk = c.Prepare(std::string(kMessage, 'u'));
  // The command first, and an ack of the connection before the clock runs.
  c.Send(c.Prepare(Command(down ? 'D' : 'U', bytes)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const double cpu0 = ProxyCpu(t);
  const auto t0 = Clock::now();
  bool ok = true;
  if (down) {
    ok = c.Receive(bytes);
  } else {
    for (uint64_t sent = 0; ok && sent < bytes; sent += kMessage) {
      ok = c.Send(chunk);
    }
    ok = ok && c.Receive(1);
  }
  const double elapsed = Seconds(Clock::now() - t0);
  const double cpu = ProxyCpu(t) - cpu0;
  if (!ok) std::fprintf(stderr, "%s: transfer failed\n", t.name.c_str());
  const double gib = static_cast<double>(bytes) / (1 << 30);
  *mibs = static_cast<double>(bytes) / (1 << 20) / elapsed;
  *cpu_per_gib = cpu / gib;
}

void RoundTrips(const Target& t, size_t size, int count, double* p50,
                double* p99) {
  Conn c;
  if (!c.Open(t.port, t.websocket, t.path)) return;
  c.Send(c.Prepare("E"));
  const std::string message = c.Prepare(std::string(size, 'r'));
  std::vector<double> us;
  for (int i = 0; i < count + 20; ++i) {
    auto t0 = Clock::now();
    if (!c.Send(message) || !c.Receive(size)) break;
    if (i >= 20) us.push_back(Seconds(Clock::now() - t0) * 1e6);
  }
  *p50 = Percentile(us, 0.5);
  *p99 = Percentile(us, 0.99);
}

void Connects(const Target& t, int count, double* p50, double* p99) {
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto t0 = Clock::now();
    Conn c;
    if (!c.Open(t.port, t.websocket, t.path)) continue;
    if (!c.Send(c.Prepare("Ex")) || !c.Receive(1)) continue;
    ms.push_back(Seconds(Clock::now() - t0) * 1e3);
  }
  *p50 = Percentile(ms, 0.5);
  *p99 = Percentile(ms, 0.99);
}

double IdleKib(const Target& t, int sessions) {
  if (t.pid <= 0) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long before = TreeUsage(t.pid).second;
  std::vector<std::unique_ptr<Conn>> open;
  for (int i = 0; i < sessions; ++i) {
    auto c = std::make_unique<Conn>();
    if (!c->Open(t.port, t.websocket, t.path) || !c->Send(c->Prepare("Ex")) ||
        !c->Receive(1)) {
      std::fprintf(stderr, "%s: session %d failed\n", t.name.c_str(), i);
      break;
    }
    open.push_back(std::move(c));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long after = TreeUsage(t.pid).second;
  const size_t n = open.size();
  open.clear();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return n == 0 ? 0 : static_cast<double>(after - before) / n;
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

// ---------------------------------------------------------------- serve

// --serve: ConsoleProxy in this process, as porthole-controller runs it.
int Serve(int argc, char** argv) {
  using namespace porthole::controller;
  porthole::SetMinLogLevel(porthole::LogLevel::kWarning);
  FleetOptions fleet_options;
  fleet_options.agents = {{"bench", Arg(argc, argv, "agent-address", "")}};
  Fleet fleet(fleet_options, [](const std::string&, std::string_view) {});
  if (!fleet.Start().ok()) return 1;
  for (int i = 0; i < 200 && !fleet.Find(kUuid).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto store = SqliteTokenStore::Open(Arg(argc, argv, "store", ""));
  if (!store.ok()) return 1;
  ProxyOptions options;
  options.novnc = {true, {"127.0.0.1", 0}, ""};
  options.spice.enabled = false;
  options.serial.enabled = false;
  options.max_connections = 100000;
  // One client address and one URL open every session here: no caps.
  options.max_sessions_per_token = 0;
  options.max_connections_per_client = 0;
  ConsoleProxy proxy(options, store->get(), &fleet);
  if (absl::Status s = proxy.Start(); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::ofstream(Arg(argc, argv, "port-file", ""))
      << proxy.port(ProxyKind::kNoVnc) << "\n";
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  proxy.Stop(absl::ZeroDuration());
  fleet.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (HasFlag(argc, argv, "serve")) return Serve(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);

  const uint64_t bytes = std::stoull(Arg(argc, argv, "mib", "1024")) << 20;
  const int rounds = std::stoi(Arg(argc, argv, "rounds", "3"));
  const int sessions = std::stoi(Arg(argc, argv, "sessions", "1000"));
  const std::vector<std::string> wanted = absl::StrSplit(
      Arg(argc, argv, "targets", "porthole,bare,websockify,socat,direct"), ',');

  char dir_template[] = "/tmp/proxy-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  Backend backend;

  // porthole: an agent whose test-driver domain's VNC port is the backend.
  std::ofstream(dir + "/node.xml")
      << "<node><domain type='test'><name>bench</name><uuid>" << kUuid
      << "</uuid><memory unit='KiB'>65536</memory><os><type>hvm</type></os>"
         "<devices><graphics type='vnc' port='"
      << backend.port()
      << "' autoport='no' listen='127.0.0.1'/></devices></domain></node>\n";
  const int agent_port = porthole::testing::PickFreePort();
  Child agent({PORTHOLE_AGENT_BINARY, "--config", "/dev/null", "--libvirt-uri",
               "test://" + dir + "/node.xml", "--listen",
               "127.0.0.1:" + std::to_string(agent_port)},
              dir + "/agent.log");
  WaitForPort(agent_port, 10);
  const std::string token = porthole::controller::NewConsoleToken();
  {
    auto store =
        porthole::controller::SqliteTokenStore::Open(dir + "/tokens.db");
    ConsoleAuthRecord r;
    r.token_hash = porthole::controller::HashConsoleToken(token);
    r.console_type = "novnc";
    r.host = "127.0.0.1";
    r.port = static_cast<uint32_t>(backend.port());
    r.instance_uuid = kUuid;
    r.compute_host = "bench";
    r.access_url_base = "http://127.0.0.1:6080/vnc_lite.html";
    r.expires = time(nullptr) + 24 * 3600;
    if (!store.ok() || !(*store)->Insert(r).ok()) {
      std::fprintf(stderr, "cannot write the token store\n");
      return 1;
    }
  }
  Child porthole({"/proc/self/exe", "--serve", "--agent-address",
                  "127.0.0.1:" + std::to_string(agent_port), "--store",
                  dir + "/tokens.db", "--port-file", dir + "/porthole.port"},
                 dir + "/porthole.log");
  int porthole_port = 0;
  for (int i = 0; i < 200 && porthole_port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream(dir + "/porthole.port") >> porthole_port;
  }

  std::ofstream(dir + "/tokens.cfg")
      << token << ": 127.0.0.1:" << backend.port() << "\n";
  const int websockify_port = porthole::testing::PickFreePort();
  Child websockify(
      {"websockify", "--token-plugin", "TokenFile", "--token-source",
       dir + "/tokens.cfg", "127.0.0.1:" + std::to_string(websockify_port)},
      dir + "/websockify.log");
  const int socat_port = porthole::testing::PickFreePort();
  Child socat({"socat", "-b65536",
               absl::StrFormat("TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork,"
                               "nodelay,backlog=4096",
                               socat_port),
               absl::StrFormat("TCP:127.0.0.1:%d,nodelay", backend.port())},
              dir + "/socat.log");
  const int bare_port = porthole::testing::PickFreePort();
  Child bare({PORTHOLE_BARE_RELAY_BINARY, std::to_string(bare_port),
              std::to_string(backend.port())},
             dir + "/bare.log");
  WaitForPort(websockify_port, 10);
  WaitForPort(socat_port, 10);
  WaitForPort(bare_port, 10);

  std::vector<Target> targets;
  const std::string path = "/?token=" + token;
  for (const std::string& name : wanted) {
    if (name == "porthole") {
      targets.push_back({name, porthole_port, true, path, porthole.pid()});
    } else if (name == "bare") {
      targets.push_back({name, bare_port, true, path, bare.pid()});
    } else if (name == "websockify") {
      targets.push_back({name, websockify_port, true, path, websockify.pid()});
    } else if (name == "socat") {
      targets.push_back({name, socat_port, false, "", socat.pid()});
    } else if (name == "direct") {
      targets.push_back({name, backend.port(), false, "", -1});
    }
  }

  std::map<std::string, std::vector<Measures>> results;
  for (int round = 0; round < rounds; ++round) {
    for (const Target& t : targets) {
      Measures m;
      Transfer(t, true, bytes, &m.down_mibs, &m.down_cpu_per_gib);
      Transfer(t, false, bytes, &m.up_mibs, &m.up_cpu_per_gib);
      RoundTrips(t, 64, 2000, &m.rtt64_p50, &m.rtt64_p99);
      RoundTrips(t, kMessage, 300, &m.rtt64k_p50, &m.rtt64k_p99);
      Connects(t, 200, &m.connect_p50, &m.connect_p99);
      if (round == 0) m.idle_kib = IdleKib(t, sessions);
      results[t.name].push_back(m);
      std::fprintf(stderr, "round %d %s: down %.0f MiB/s up %.0f MiB/s\n",
                   round + 1, t.name.c_str(), m.down_mibs, m.up_mibs);
    }
  }

  auto median = [&](const std::string& name, double Measures::*field) {
    std::vector<double> v;
    for (const Measures& m : results[name]) v.push_back(m.*field);
    if (field == &Measures::idle_kib) return v.empty() ? 0.0 : v[0];
    return Median(v);
  };
  struct Row {
    const char* label;
    double Measures::*field;
    const char* format;
  } rows[] = {
      {"downstream MiB/s (64 KiB writes)", &Measures::down_mibs, "%.0f"},
      {"upstream MiB/s (64 KiB messages)", &Measures::up_mibs, "%.0f"},
      {"proxy CPU-s/GiB downstream", &Measures::down_cpu_per_gib, "%.2f"},
      {"proxy CPU-s/GiB upstream", &Measures::up_cpu_per_gib, "%.2f"},
      {"RTT 64 B p50 (us)", &Measures::rtt64_p50, "%.0f"},
      {"RTT 64 B p99 (us)", &Measures::rtt64_p99, "%.0f"},
      {"RTT 64 KiB p50 (us)", &Measures::rtt64k_p50, "%.0f"},
      {"RTT 64 KiB p99 (us)", &Measures::rtt64k_p99, "%.0f"},
      {"connect to first echo p50 (ms)", &Measures::connect_p50, "%.2f"},
      {"connect to first echo p99 (ms)", &Measures::connect_p99, "%.2f"},
      {"memory (PSS) per idle session (KiB)", &Measures::idle_kib, "%.1f"},
  };
  std::printf("| metric (median of %d rounds) |", rounds);
  for (const Target& t : targets) std::printf(" %s |", t.name.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < targets.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const Row& row : rows) {
    std::printf("| %s |", row.label);
    for (const Target& t : targets) {
      std::printf(" ");
      std::printf(row.format, median(t.name, row.field));
      std::printf(" |");
    }
    std::printf("\n");
  }
  if (results.contains("direct")) {
    for (const Target& t : targets) {
      if (t.name == "direct") continue;
      std::printf(
          "RTT added over direct TCP, %s: 64 B %+.0f us, 64 KiB %+.0f us\n",
          t.name.c_str(),
          median(t.name, &Measures::rtt64_p50) -
              median("direct", &Measures::rtt64_p50),
          median(t.name, &Measures::rtt64k_p50) -
              median("direct", &Measures::rtt64k_p50));
    }
  }
  if (results.contains("porthole") && results.contains("bare")) {
    auto ratio = [&](double Measures::*field) {
      return median("porthole", field) / median("bare", field);
    };
    std::printf(
        "porthole / bare relay: throughput down %.2fx up %.2fx (target >= "
        "1.0x); CPU/GiB down %.2fx up %.2fx (target <= 1.0x); connect p50 "
        "%.2fx (target <= 1.5x)\n",
        ratio(&Measures::down_mibs), ratio(&Measures::up_mibs),
        ratio(&Measures::down_cpu_per_gib), ratio(&Measures::up_cpu_per_gib),
        ratio(&Measures::connect_p50));
    if (results.contains("direct")) {
      std::printf(
          "RTT 64 B added over direct: porthole %+.0f us, bare %+.0f us "
          "(target: porthole <= bare + 10 us)\n",
          median("porthole", &Measures::rtt64_p50) -
              median("direct", &Measures::rtt64_p50),
          median("bare", &Measures::rtt64_p50) -
              median("direct", &Measures::rtt64_p50));
    }
  }
  std::filesystem::remove_all(dir);
  return 0;
}
