// A real Keystone for bench/api_bench (AUTH=keystone): the tests' seeded
// Keystone (tests/support/keystone.h), started from the same template. It
// writes KEY=value lines (URL, project, a token of alice's) to the file
// named by --env, then serves until SIGTERM or SIGINT and stops Keystone.
//
//   keystone_fixture --compute-port PORT --env FILE
#include <signal.h>

#include <cstdio>
#include <string>

#include "tests/support/keystone.h"

int main(int argc, char** argv) {
  int compute_port = 0;
  std::string env_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--compute-port") compute_port = std::stoi(argv[i + 1]);
    if (flag == "--env") env_path = argv[i + 1];
  }
  if (compute_port == 0 || env_path.empty()) {
    std::fprintf(stderr, "usage: %s --compute-port PORT --env FILE\n", argv[0]);
    return 2;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, nullptr);

  porthole::testing::Keystone keystone(compute_port);
  if (!keystone.Start()) {
    std::fprintf(stderr, "keystone_fixture: Keystone did not start:\n%s\n",
                 keystone.log().c_str());
    return 1;
  }
  const std::string demo = keystone.seed().demo_project_id;
  porthole::testing::WriteFile(
      env_path,
      "KEYSTONE_URL=" + keystone.url() + "\nDEMO_PROJECT=" + demo +
          "\nALICE_TOKEN=" + keystone.Token("alice", "alice-pw", demo) + "\n");
  int sig = 0;
  sigwait(&stop, &sig);
  keystone.Stop();
  return 0;
}
