// Cost of one policy decision, as the API makes it per request: the
// caller's credentials (implied roles, context_is_admin) and the route's
// rule, with Nova's defaults and with an operator's override. Prints ns per
// call; docs/benchmarks.md quotes a run.
//
//   build-rel/bench/policy_bench [iterations]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "controller/api/policy.h"
#include "controller/policy/nova_policy_defaults.h"
#include "controller/policy/policy_rule_set.h"

namespace porthole::controller {
namespace {

// Keeps the optimiser from dropping the work.
volatile int sink = 0;

template <typename Work>
double NanosPerCall(long iterations, Work work) {
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < iterations; ++i) sink = sink + (work() ? 1 : 0);
  const std::chrono::duration<double, std::nano> took =
      std::chrono::steady_clock::now() - start;
  return took.count() / static_cast<double>(iterations);
}

void Report(const char* what, double nanos) {
  std::printf("%-64s %8.1f ns\n", what, nanos);
}

int Run(long iterations) {
  const std::vector<PolicyRuleSource> overrides = {
      {kRemoteConsolesPolicy,
       "rule:project_member_or_admin or (role:support and "
       "project_id:%(project_id)s)",
       "bench"}};
  absl::StatusOr<PolicyRuleSet> nova =
      PolicyRuleSet::Build(NovaPolicyDefaults(), {});
  absl::StatusOr<PolicyRuleSet> custom =
      PolicyRuleSet::Build(NovaPolicyDefaults(), overrides);
  if (!nova.ok() || !custom.ok()) return 1;

  const Principal member{.user_id = "u-member",
                         .project_id = "p-own",
                         .roles = {"member", "reader"}};
  const Principal support{
      .user_id = "u-support", .project_id = "p-own", .roles = {"support"}};
  const PolicyTarget own{"p-own", "u-owner"};
  const PolicyTarget other{"p-other", "u-owner"};
  const PolicyCredentials member_creds = CredentialsOf(member, *nova);
  const PolicyCredentials support_creds = CredentialsOf(support, *custom);

  std::printf("policy_bench: %ld iterations each\n", iterations);
  Report("CredentialsOf(member), Nova defaults", NanosPerCall(iterations, [&] {
           return CredentialsOf(member, *nova).is_admin;
         }));
  Report("os-remote-consoles, member, own project (allow)",
         NanosPerCall(iterations, [&] {
           return nova->Allows(kRemoteConsolesPolicy, member_creds, own);
         }));
  Report("os-remote-consoles, member, other project (deny)",
         NanosPerCall(iterations, [&] {
           return nova->Allows(kRemoteConsolesPolicy, member_creds, other);
         }));
  Report("os-remote-consoles override, support role (allow, last branch)",
         NanosPerCall(iterations, [&] {
           return custom->Allows(kRemoteConsolesPolicy, support_creds, own);
         }));
  Report("servers:index, member (allow)", NanosPerCall(iterations, [&] {
           return nova->Allows(kServersIndexPolicy, member_creds, own);
         }));
  return 0;
}

}  // namespace
}  // namespace porthole::controller

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 2'000'000;
  return porthole::controller::Run(iterations > 0 ? iterations : 1);
}
