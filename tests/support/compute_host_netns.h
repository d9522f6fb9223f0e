#ifndef PORTHOLE_TESTS_SUPPORT_COMPUTE_HOST_NETNS_H_
#define PORTHOLE_TESTS_SUPPORT_COMPUTE_HOST_NETNS_H_

#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/libvirtd.h"

namespace porthole::testing {

// One compute host of a cluster on one machine (shared/TESTING.md "Several
// hosts on one machine"): a network namespace of its own, joined to the
// root namespace by a veth pair (10.213.S.1/24 outside, 10.213.S.2/24
// inside, S a /24 no interface or route of the machine uses), and inside it
// a private libvirtd (Libvirtd), one real QEMU guest created through that
// libvirtd with VNC listening on the namespace's address, and porthole-agent
// listening on that address. Nothing listens anywhere else.
//
// Namespaces and veths are named "phc<test pid>-<index>" (the root end
// "...r"): Start first deletes those of test processes that no longer run
// (a test killed by its timeout), with the processes left inside them. The
// destructor stops the agent, the daemon and the guest by PID and deletes
// the namespace and its veth pair, even when the test failed. Root only;
// not thread-safe.
class ComputeHostNetns {
 public:
  // `index` (1 to 99) tells the hosts of one test apart; the host's name
  // is "compute-<index>" and its guest "guest-<index>".
  explicit ComputeHostNetns(int index);
  ~ComputeHostNetns();
  ComputeHostNetns(const ComputeHostNetns&) = delete;
  ComputeHostNetns& operator=(const ComputeHostNetns&) = delete;

  // Makes the namespace, starts libvirtd, the guest (its VNC port
  // answering from the root namespace) and the agent (its gRPC port
  // answering). False with the reason in error().
  bool Start();
  // virsh destroy through this host's libvirtd: QEMU goes at once, and the
  // transient guest with it.
  bool DestroyGuest();

  const std::string& name() const { return name_; }
  const std::string& netns() const { return netns_; }
  // The namespace's own address, "10.213.S.2".
  const std::string& address() const { return address_; }
  int agent_port() const { return kAgentPort; }
  // "compute-N=10.213.S.2:PORT", an entry of [agents] hosts.
  std::string AgentEntry() const;
  const std::string& guest_name() const { return guest_name_; }
  const std::string& guest_uuid() const { return guest_uuid_; }
  int guest_vnc_port() const { return vnc_port_; }
  const std::string& error() const { return error_; }
  // The agent's and libvirtd's logs.
  std::string Logs() const;

  // Deletes the namespaces and veths of test processes that are gone.
  static void RemoveStale();

 private:
  // Ports inside a fresh namespace are all free.
  static constexpr int kAgentPort = 50051;

  bool MakeNamespace();
  bool StartGuest();
  bool StartAgent();
  bool Fail(std::string why);

  std::string name_;
  std::string netns_;
  std::string root_veth_;
  std::string address_;
  std::string guest_name_;
  std::string guest_uuid_;
  int vnc_port_ = 0;
  bool netns_made_ = false;
  std::string error_;
  TempDir dir_;
  std::unique_ptr<Libvirtd> libvirtd_;
  std::unique_ptr<ChildProcess> agent_;
};

}  // namespace porthole::testing

#endif  // PORTHOLE_TESTS_SUPPORT_COMPUTE_HOST_NETNS_H_
