#ifndef PORTHOLE_BENCH_BENCH_SUPPORT_H_
#define PORTHOLE_BENCH_BENCH_SUPPORT_H_

#include <string>
#include <vector>

namespace porthole::bench {

// What every benchmark's main needs, in one place.

// The value after `--name` on the command line, or `fallback`.
std::string FlagValue(int argc, char** argv, const std::string& name,
                      const std::string& fallback);
// True when `--name` is on the command line.
bool HasFlag(int argc, char** argv, const std::string& name);

// Raises the soft limit on open descriptors to the hard one: benchmarks hold
// a descriptor per session or per simulated host.
void RaiseFileLimit();

// CPU time (user + system) this process has used, in seconds.
double OwnCpuSeconds();

// The value at quantile `q` (0..1) of `v`; 0 when `v` is empty.
double Percentile(std::vector<double> v, double q);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_BENCH_SUPPORT_H_
