#ifndef PORTHOLE_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
#define PORTHOLE_TESTS_SUPPORT_PROMETHEUS_TEXT_H_

#include <map>
#include <optional>
#include <string>

namespace porthole::testing {

// One scrape, parsed by a real Prometheus text parser (the Prometheus
// project's Python client, tests/support/parse_prometheus.py): each sample
// by its name and labels, written `name{a="x",b="y"}` with the labels
// sorted, or `name` without labels.
struct PrometheusScrape {
  bool ok = false;
  std::string error;  // the parser's complaint when !ok
  std::map<std::string, double> samples;

  // The sample's value; nullopt when the scrape has no such sample.
  std::optional<double> Value(const std::string& key) const;
  // The value, or 0 when absent (a counter not yet incremented).
  double ValueOr0(const std::string& key) const;
};

PrometheusScrape ParsePrometheusText(const std::string& text);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_PROMETHEUS_TEXT_H_
