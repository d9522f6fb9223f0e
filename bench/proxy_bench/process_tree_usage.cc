#include "bench/proxy_bench/process_tree_usage.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"

namespace porthole::bench {
namespace {

struct ProcStat {
  pid_t ppid = 0;
  double cpu = 0;           // utime + stime, seconds
  double children_cpu = 0;  // cutime + cstime (reaped children)
};

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
  // The command name (field 2) may hold spaces and parentheses.
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

std::map<pid_t, ProcStat> ReadAllStats() {
  std::map<pid_t, ProcStat> all;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = std::atoi(entry.path().filename().c_str());
    if (pid <= 0) continue;
    if (auto s = ReadStat(pid)) all[pid] = *s;
  }
  return all;
}

bool DescendsFrom(pid_t pid, pid_t root, const std::map<pid_t, ProcStat>& all) {
  for (pid_t p = pid; p > 1;) {
    if (p == root) return true;
    auto it = all.find(p);
    p = it == all.end() ? 0 : it->second.ppid;
  }
  return false;
}

}  // namespace

TreeUsage ReadTreeUsage(pid_t root) {
  const std::map<pid_t, ProcStat> all = ReadAllStats();
  TreeUsage usage;
  for (const auto& [pid, s] : all) {
    if (!DescendsFrom(pid, root, all)) continue;
    usage.cpu_seconds += s.cpu + (pid == root ? s.children_cpu : 0);
    usage.pss_kib += PssKib(pid);
  }
  return usage;
}

}  // namespace porthole::bench
