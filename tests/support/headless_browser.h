#ifndef PORTHOLE_TESTS_SUPPORT_HEADLESS_BROWSER_H_
#define PORTHOLE_TESTS_SUPPORT_HEADLESS_BROWSER_H_

#include <string>
#include <utility>

namespace porthole::testing {

// Runs one of tests/e2e's playwright scripts (`node SCRIPT URL EXPECTATION
// PROFILE TIMEOUT_MS`: novnc_console.js, spice_console.js) with a Chromium
// profile in `dir`, waits up to 40 s, then kills by PID whatever Chromium
// processes still use that profile (they outlive a killed node). Returns
// the script's exit status (-1: killed or timed out) and its output.
std::pair<int, std::string> RunBrowserScript(const std::string& script,
                                             const std::string& url,
                                             const std::string& expectation,
                                             const std::string& dir);

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_HEADLESS_BROWSER_H_
