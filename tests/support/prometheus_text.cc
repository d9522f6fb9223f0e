#include "tests/support/prometheus_text.h"

#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "tests/support/child_process.h"

namespace porthole::testing {

std::optional<double> PrometheusScrape::Value(const std::string& key) const {
  auto it = samples.find(key);
  if (it == samples.end()) return std::nullopt;
  return it->second;
}

double PrometheusScrape::ValueOr0(const std::string& key) const {
  return Value(key).value_or(0);
}

PrometheusScrape ParsePrometheusText(const std::string& text) {
  PrometheusScrape scrape;
  TempDir dir;
  const std::string input = dir.path() + "/scrape.txt";
  const std::string errors = dir.path() + "/errors.txt";
  WriteFile(input, text);
  // Debian's interpreter, where python3-prometheus-client lives (a
  // python3 earlier in PATH, pyenv's say, may lack it).
  const std::string command = "/usr/bin/python3 " + SourceDir() +
                              "/tests/support/parse_prometheus.py < " + input +
                              " 2> " + errors;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    scrape.error = "cannot run /usr/bin/python3";
    return scrape;
  }
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    out.append(buffer, n);
  }
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    scrape.error = "parser failed: " + ReadFile(errors);
    return scrape;
  }
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json sample = nlohmann::json::parse(line);
    std::string key = sample["name"];
    if (!sample["labels"].empty()) {
      key += "{";
      bool first = true;
      // nlohmann's objects iterate in key order: the labels come sorted.
      for (const auto& [name, value] : sample["labels"].items()) {
        if (!first) key += ",";
        first = false;
        key += name + "=\"" + value.get<std::string>() + "\"";
      }
      key += "}";
    }
    scrape.samples[key] = sample["value"].get<double>();
  }
  scrape.ok = true;
  return scrape;
}

}  // namespace porthole::testing
