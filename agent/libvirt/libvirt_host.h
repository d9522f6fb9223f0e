#ifndef PORTHOLE_AGENT_LIBVIRT_LIBVIRT_HOST_H_
#define PORTHOLE_AGENT_LIBVIRT_LIBVIRT_HOST_H_

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/domain/domain_xml.h"
#include "porthole/agent/v1/agent.pb.h"

namespace porthole::agent {

class ConnectionWorker;
class Inventory;
class LibvirtEventLoop;

struct LibvirtHostOptions {
  std::string uri = "qemu:///system";
  bool read_only = true;
  DomainXmlOptions xml;
  // virConnectOpen can block forever on a hung daemon; give up after this.
  absl::Duration open_timeout = absl::Seconds(10);
  // Keepalive (remote drivers only): the connection is declared dead after
  // interval * (count + 1) without an answer.
  int keepalive_interval_seconds = 5;
  unsigned keepalive_count = 3;
  absl::Duration reconnect_min_backoff = absl::Milliseconds(500);
  absl::Duration reconnect_max_backoff = absl::Seconds(30);
  // A HEARTBEAT to watchers this often while connected, from the event loop
  // through the worker's queue (after every event queued before it); zero:
  // none.
  absl::Duration heartbeat_interval = absl::Seconds(1);
};

// One compute host as libvirt shows it: a single long-lived connection,
// libvirt's default event loop on a thread of its own, and lifecycle, device,
// graphics and metadata events that keep an Inventory up to date. When the
// connection drops (close callback, keepalive, failed call) it reconnects
// with exponential backoff, re-registers the events and re-lists every
// domain into the Inventory (Inventory::Replace with RESYNCED).
// Event callbacks only queue work; a worker thread (ConnectionWorker) reads
// the XML. The Inventory must outlive Stop(). All public methods are
// thread-safe.
class LibvirtHost {
 public:
  LibvirtHost(LibvirtHostOptions options, Inventory* inventory);
  ~LibvirtHost();  // Stop()s
  LibvirtHost(const LibvirtHost&) = delete;
  LibvirtHost& operator=(const LibvirtHost&) = delete;

  // Tries the first connection (bounded by open_timeout) and starts the
  // threads. On failure it still runs and keeps retrying in the background;
  // the error says why the first attempt failed ("cannot connect to libvirt
  // at URI: ..."), for the caller to log or to exit on.
  absl::Status Start();
  // Stops the threads and closes the connection. Idempotent.
  void Stop();

  // The live view of one domain, read at call time (XML + state); `xml`,
  // when given, receives the live XML it was read from.
  // NOT_FOUND: no such domain; UNAVAILABLE: no libvirt connection now.
  absl::StatusOr<v1::Domain> FetchDomain(std::string_view uuid,
                                         std::string* xml = nullptr);
  // Every domain, read at call time.
  absl::StatusOr<std::vector<v1::Domain>> FetchAll();

  bool connected() const;
  // libvirt's host name (virConnectGetHostname); empty before a connection.
  std::string hostname() const;

 private:
  // Shared with the worker thread, which may outlive this object when Stop()
  // leaves it behind on a hung daemon.
  const std::shared_ptr<ConnectionWorker> worker_;
  absl::Mutex lifecycle_mu_;
  bool started_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  std::shared_ptr<LibvirtEventLoop> loop_ ABSL_GUARDED_BY(lifecycle_mu_);
  std::thread worker_thread_ ABSL_GUARDED_BY(lifecycle_mu_);
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_LIBVIRT_HOST_H_
