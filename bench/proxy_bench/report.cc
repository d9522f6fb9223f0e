#include "bench/proxy_bench/report.h"

#include <cstdio>

#include "bench/bench_support.h"

namespace porthole::bench {
namespace {

using Field = double Measures::*;

double Median(const Results& results, const std::string& name, Field field) {
  std::vector<double> v;
  if (auto it = results.find(name); it != results.end()) {
    for (const Measures& m : it->second) v.push_back(m.*field);
  }
  if (field == &Measures::idle_kib) return v.empty() ? 0.0 : v[0];
  return Percentile(v, 0.5);
}

struct Row {
  const char* label;
  Field field;
  const char* format;
};

constexpr Row kRows[] = {
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

void PrintTable(const std::vector<Target>& targets, const Results& results,
                int rounds) {
  std::printf("| metric (median of %d rounds) |", rounds);
  for (const Target& t : targets) std::printf(" %s |", t.name.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < targets.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const Row& row : kRows) {
    std::printf("| %s |", row.label);
    for (const Target& t : targets) {
      std::printf(" ");
      std::printf(row.format, Median(results, t.name, row.field));
      std::printf(" |");
    }
    std::printf("\n");
  }
}

double AddedOverDirect(const Results& results, const std::string& name,
                       Field field) {
  return Median(results, name, field) - Median(results, "direct", field);
}

void PrintRttAddedOverDirect(const std::vector<Target>& targets,
                             const Results& results) {
  for (const Target& t : targets) {
    if (t.name == "direct") continue;
    std::printf(
        "RTT added over direct TCP, %s: 64 B %+.0f us, 64 KiB %+.0f us\n",
        t.name.c_str(), AddedOverDirect(results, t.name, &Measures::rtt64_p50),
        AddedOverDirect(results, t.name, &Measures::rtt64k_p50));
  }
}

void PrintPortholeOverBare(const Results& results) {
  auto ratio = [&](Field field) {
    return Median(results, "porthole", field) / Median(results, "bare", field);
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
        AddedOverDirect(results, "porthole", &Measures::rtt64_p50),
        AddedOverDirect(results, "bare", &Measures::rtt64_p50));
  }
}

// TLS to the hypervisor against the same proxy relaying plain VNC.
void PrintVencryptOverPlain(const Results& results) {
  auto ratio = [&](Field field) {
    return Median(results, "porthole-vencrypt", field) /
           Median(results, "porthole", field);
  };
  std::printf(
      "porthole-vencrypt / porthole: throughput down %.2fx up %.2fx; CPU/GiB "
      "down %.2fx up %.2fx; connect p50 %.2fx\n",
      ratio(&Measures::down_mibs), ratio(&Measures::up_mibs),
      ratio(&Measures::down_cpu_per_gib), ratio(&Measures::up_cpu_per_gib),
      ratio(&Measures::connect_p50));
}

}  // namespace

void PrintReport(const std::vector<Target>& targets, const Results& results,
                 int rounds) {
  PrintTable(targets, results, rounds);
  if (results.contains("direct")) PrintRttAddedOverDirect(targets, results);
  if (results.contains("porthole") && results.contains("bare")) {
    PrintPortholeOverBare(results);
  }
  if (results.contains("porthole") && results.contains("porthole-vencrypt")) {
    PrintVencryptOverPlain(results);
  }
}

}  // namespace porthole::bench
