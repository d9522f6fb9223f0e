#ifndef PORTHOLE_BENCH_PROXY_BENCH_REPORT_H_
#define PORTHOLE_BENCH_PROXY_BENCH_REPORT_H_

#include <map>
#include <string>
#include <vector>

#include "bench/proxy_bench/measures.h"

namespace porthole::bench {

// Each target's Measures, one per round, by target name.
using Results = std::map<std::string, std::vector<Measures>>;

// Prints the run on stdout: a Markdown table of each figure's median over the
// rounds (memory is measured in the first round only), one column per target
// in `targets`' order; then, when those targets ran, the RTT each adds over
// direct TCP and Porthole as a ratio of the bare relay against the targets
// docs/benchmarks.md sets.
void PrintReport(const std::vector<Target>& targets, const Results& results,
                 int rounds);

}  // namespace porthole::bench

#endif  // PORTHOLE_BENCH_PROXY_BENCH_REPORT_H_
