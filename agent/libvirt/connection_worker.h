#ifndef PORTHOLE_AGENT_LIBVIRT_CONNECTION_WORKER_H_
#define PORTHOLE_AGENT_LIBVIRT_CONNECTION_WORKER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/libvirt/connection_opener.h"
#include "agent/libvirt/libvirt_handles.h"
#include "agent/libvirt/libvirt_host.h"

namespace porthole::agent {

class Inventory;

// The agent's side of one libvirt connection over time: opens it (bounded by
// open_timeout), sets keepalive, the close callback and the domain events,
// lists every domain into the Inventory, then on its worker thread (Run)
// turns queued events into domain reads; when the connection is lost it
// tears it down and reconnects with backoff. Shared (shared_ptr) by
// LibvirtHost, the worker thread and every event registration, so a worker
// left behind on a hung daemon stays valid; after CloseSink() it never
// touches the Inventory again. Public methods are thread-safe.
class ConnectionWorker : public std::enable_shared_from_this<ConnectionWorker> {
 public:
  ConnectionWorker(LibvirtHostOptions options, Inventory* inventory);
  ConnectionWorker(const ConnectionWorker&) = delete;
  ConnectionWorker& operator=(const ConnectionWorker&) = delete;

  const LibvirtHostOptions& options() const { return options_; }

  // Opens, sets up and lists one connection into the Inventory. Called by
  // LibvirtHost::Start() before the worker thread runs, then only by Run().
  absl::Status Connect();
  // The worker thread: reconnects, and reads the domains events name.
  // Returns once stopping.
  void Run();
  // Asks Run() to finish; true once it has, within `grace`.
  bool RequestStop(absl::Duration grace);
  // Stopping when Run() never started: closes what Connect() opened.
  void StopWithoutWorker();
  // After stopping: nothing reaches the Inventory any more.
  void CloseSink();

  // A reference of the caller's own (virConnectRef) to the current
  // connection, so a reconnect never frees it under the caller; UNAVAILABLE
  // when there is none.
  struct ConnectionRef {
    ConnectHandle conn;
    uint64_t generation;
  };
  absl::StatusOr<ConnectionRef> AcquireConnection();
  // After a call on `conn` failed with libvirt error `code`: true, and the
  // worker reconnects, when that is a connection-class error and the
  // connection is no longer alive.
  bool CheckLost(virConnectPtr conn, uint64_t generation, int code);
  // "libvirt connection to <uri> is down".
  absl::Status Unavailable() const;

  bool connected() const;
  std::string hostname() const;

  // From libvirt callbacks, on the event loop thread: no blocking, no
  // libvirt calls. Enqueue asks for one domain to be re-read (or, with
  // kHeartbeat, for an Inventory::Heartbeat after everything queued before
  // it); MarkLost says connection `generation` is gone (stale generations
  // are ignored).
  static constexpr char kHeartbeat[] = "";
  void Enqueue(std::string uuid);
  void MarkLost(uint64_t generation, std::string reason);

 private:
  // The close callback's opaque, owned by the Session rather than handed to
  // libvirt: in-process drivers accept the registration but never store it,
  // so they would never free it either.
  struct CloseContext {
    ConnectionWorker* worker;  // outlives it: Teardown() unregisters first
    uint64_t generation;
  };
  // What the connecting thread owns for one open connection: Start() before
  // it starts the worker, then the worker. Not guarded.
  struct Session {
    ConnectHandle conn;
    uint64_t generation = 0;
    std::vector<int> callback_ids;
    int heartbeat_timer = -1;
    std::unique_ptr<CloseContext> close_context;
  };

  // The close callback (event loop thread): marks that generation lost.
  static void OnClosed(virConnectPtr conn, int reason, void* opaque);
  void RegisterCallbacks();
  void StartHeartbeat();
  void Refresh(const std::string& uuid);
  void Teardown();
  // Runs `f` on the Inventory unless the sink is closed.
  void Sink(const std::function<void(Inventory&)>& f);

  const LibvirtHostOptions options_;
  Inventory* const inventory_;
  ConnectionOpener opener_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool worker_done_ ABSL_GUARDED_BY(mu_) = false;
  // The published connection (the Session's reference); AcquireConnection
  // takes its own reference while connected_.
  virConnectPtr conn_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Generation of the newest connection; close callbacks of older ones are
  // ignored.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  // Set (with a reason name) when the close callback fired or a call failed
  // with a dead connection; the worker then tears down and reconnects.
  std::string lost_reason_ ABSL_GUARDED_BY(mu_);
  std::string hostname_ ABSL_GUARDED_BY(mu_);
  // UUIDs whose domain must be re-read, each at most once.
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string, std::less<>> queued_ ABSL_GUARDED_BY(mu_);

  // Serializes Inventory calls with CloseSink(), so that a worker left behind
  // never touches an Inventory that its owner has destroyed.
  absl::Mutex sink_mu_;
  bool sink_closed_ ABSL_GUARDED_BY(sink_mu_) = false;

  Session session_;
};

}  // namespace porthole::agent

#endif  // PORTHOLE_AGENT_LIBVIRT_CONNECTION_WORKER_H_
