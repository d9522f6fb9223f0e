#include "agent/libvirt/libvirt_host.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "agent/domain/inventory.h"
#include "common/logging.h"

namespace porthole::agent {
namespace {

constexpr char kLog[] = "libvirt";
// How long Stop() waits for the worker to deregister and close. A healthy
// daemon answers in milliseconds; a hung one only lets go when keepalive
// gives up, so past this the worker is left to finish on its own.
constexpr absl::Duration kStopGrace = absl::Seconds(1);
// How long the event loop keeps iterating after its last user has gone.
constexpr absl::Duration kDrainTime = absl::Milliseconds(20);

// libvirt prints every error to stderr unless told otherwise; we report the
// ones that matter through our own logger.
void IgnoreLibvirtError(void*, virErrorPtr) {}

void InitLibvirtOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (virInitialize() < 0) LogError(kLog, "virInitialize failed");
    virSetErrorFunc(nullptr, IgnoreLibvirtError);
    // Must precede the first virConnectOpen: connections pick up the event
    // implementation that is registered when they are opened.
    if (virEventRegisterDefaultImpl() < 0) {
      LogError(kLog,
               "virEventRegisterDefaultImpl failed: events will not work");
    }
  });
}

struct LibvirtError {
  int code = VIR_ERR_OK;
  std::string message;
};

// The calling thread's last libvirt error (libvirt keeps it per thread).
LibvirtError LastError() {
  virErrorPtr error = virGetLastError();
  if (error == nullptr)
    return {VIR_ERR_INTERNAL_ERROR, "unknown libvirt error"};
  return {error->code, error->message != nullptr ? error->message : ""};
}

// The error codes a broken connection produces (Nova's _test_connection
// looks at the same ones).
bool IsConnectionError(int code) {
  return code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_INTERNAL_ERROR ||
         code == VIR_ERR_RPC || code == VIR_ERR_NO_CONNECT;
}

std::string CloseReasonName(int reason) {
  switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_ERROR:
      return "error";
    case VIR_CONNECT_CLOSE_REASON_EOF:
      return "eof";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
      return "keepalive";
    case VIR_CONNECT_CLOSE_REASON_CLIENT:
      return "client";
    default:
      return absl::StrCat("unknown(", reason, ")");
  }
}

// libvirt's default event loop, shared by every LibvirtHost in the process:
// one thread runs virEventRunDefaultImpl() while at least one reference is
// held. The last reference stops and joins it (never from the loop thread:
// loop callbacks hold no reference).
class EventLoop {
 public:
  static std::shared_ptr<EventLoop> Acquire() {
    InitLibvirtOnce();
    absl::MutexLock lock(&mu_);
    if (refs_++ == 0) loop_ = new EventLoop();
    return std::shared_ptr<EventLoop>(loop_, [](EventLoop*) { Release(); });
  }

 private:
  EventLoop() : thread_([this] { Run(); }) {}
  ~EventLoop() {
    stop_.store(true);
    // A short periodic timeout wakes the blocked iteration now and bounds
    // the draining ones below.
    int timer = virEventAddTimeout(
        1, [](int, void*) {}, nullptr, nullptr);
    thread_.join();
    if (timer >= 0) virEventRemoveTimeout(timer);
  }

  static void Release() {
    absl::MutexLock lock(&mu_);
    if (--refs_ == 0) {
      // Under mu_, so a new loop cannot start before this one has stopped.
      delete loop_;
      loop_ = nullptr;
    }
  }

  void Run() {
    while (!stop_.load()) {
      if (virEventRunDefaultImpl() < 0) {
        LogError(kLog, "virEventRunDefaultImpl failed: ", LastError().message);
        absl::SleepFor(absl::Milliseconds(50));
      }
    }
    // libvirt frees what a closed connection registered (and with it the
    // socket) from idle callbacks of the loop: let them run before the loop
    // goes quiet, or they wait for the next LibvirtHost to start it.
    const absl::Time deadline = absl::Now() + kDrainTime;
    while (absl::Now() < deadline) virEventRunDefaultImpl();
  }

  static absl::Mutex mu_;
  static int refs_ ABSL_GUARDED_BY(mu_);
  static EventLoop* loop_ ABSL_GUARDED_BY(mu_);

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ABSL_CONST_INIT absl::Mutex EventLoop::mu_(absl::kConstInit);
int EventLoop::refs_ = 0;
EventLoop* EventLoop::loop_ = nullptr;

// Frees a virDomainPtr / drops a virConnectPtr reference at scope exit.
struct DomainDeleter {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using DomainHandle = std::unique_ptr<virDomain, DomainDeleter>;
struct ConnectDeleter {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
using ConnectHandle = std::unique_ptr<virConnect, ConnectDeleter>;

// Reads one domain: its live XML (flags 0) parsed, plus its state. A libvirt
// failure sets *libvirt_code (NO_DOMAIN: it went away); a parse failure
// leaves it VIR_ERR_OK and returns the parser's InvalidArgument.
absl::StatusOr<v1::Domain> ReadDomain(virDomainPtr dom,
                                      const DomainXmlOptions& xml_options,
                                      int* libvirt_code) {
  *libvirt_code = VIR_ERR_OK;
  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  if (virDomainGetState(dom, &state, &reason, 0) < 0) {
    LibvirtError e = LastError();
    *libvirt_code = e.code;
    return absl::UnavailableError(e.message);
  }
  char* xml = virDomainGetXMLDesc(dom, 0);
  if (xml == nullptr) {
    LibvirtError e = LastError();
    *libvirt_code = e.code;
    return absl::UnavailableError(e.message);
  }
  std::string text(xml);
  free(xml);
  absl::StatusOr<v1::Domain> domain = ParseDomainXml(text, xml_options);
  if (!domain.ok()) return domain.status();
  domain->set_state(v1::DomainState_IsValid(state)
                        ? static_cast<v1::DomainState>(state)
                        : v1::DOMAIN_STATE_UNSPECIFIED);
  return domain;
}

std::string DomainUuid(virDomainPtr dom) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virDomainGetUUIDString(dom, uuid) < 0) return "";
  return uuid;
}

// The outcome of a connection attempt that runs on a thread of its own,
// because virConnectOpen can block forever on a hung daemon. Guarded by
// State::mu_.
struct OpenAttempt {
  bool done = false;
  // Nobody will collect the result: the opener closes what it opened.
  bool abandoned = false;
  virConnectPtr conn = nullptr;
  std::string error;
};

class State;

struct CloseContext {
  State* state;  // outlives the registration: Teardown() unregisters first
  uint64_t generation;
};

// What the worker owns for one open connection. Touched only by the thread
// that connects: Start() before it starts the worker, then the worker.
struct Session {
  virConnectPtr conn = nullptr;
  uint64_t generation = 0;
  std::vector<int> callback_ids;
  // The close callback's opaque, owned here rather than handed to libvirt:
  // in-process drivers accept the registration but never store it, so they
  // would never free it either.
  std::unique_ptr<CloseContext> close_context;
};

// Everything LibvirtHost shares with libvirt callbacks, the open threads and
// a worker that may outlive the LibvirtHost (left behind by Stop() on a hung
// daemon). Held by shared_ptr from all of them.
class State : public std::enable_shared_from_this<State> {
 public:
  State(LibvirtHostOptions options, Inventory* inventory)
      : options_(std::move(options)), inventory_(inventory) {}

  const LibvirtHostOptions& options() const { return options_; }

  // Opens, sets up and lists one connection; the result lands in session_
  // and the Inventory. Called by Start() and by the worker.
  absl::Status Connect();
  // The worker: reconnects, and turns queued events into domain reads.
  void Run();
  // Stop(): asks the worker to finish; true once it has within `grace`.
  bool RequestStop(absl::Duration grace);
  // Stop() when Start() never ran the worker.
  void StopWithoutWorker();
  // After Stop(): nothing reaches the Inventory any more.
  void CloseSink() {
    absl::MutexLock lock(&sink_mu_);
    sink_closed_ = true;
  }

  absl::StatusOr<v1::Domain> FetchDomain(std::string_view uuid);
  absl::StatusOr<std::vector<v1::Domain>> FetchAll();
  bool connected() const {
    absl::MutexLock lock(&mu_);
    return connected_;
  }
  std::string hostname() const {
    absl::MutexLock lock(&mu_);
    return hostname_;
  }

  // From libvirt callbacks, on the event loop thread: no blocking, no
  // libvirt calls.
  void Enqueue(std::string uuid);
  void MarkLost(uint64_t generation, std::string reason);

 private:
  // A reference to the current connection (virConnectRef), or UNAVAILABLE.
  absl::StatusOr<std::pair<ConnectHandle, uint64_t>> AcquireConnection();
  absl::Status Unavailable() const {
    return absl::UnavailableError(
        absl::StrCat("libvirt connection to ", options_.uri, " is down"));
  }
  // After a failed call: a connection-class error on a connection that is no
  // longer alive means the connection is gone.
  bool CheckLost(virConnectPtr conn, uint64_t generation, int code);
  absl::StatusOr<virConnectPtr> Open();
  void RunOpenAttempt(OpenAttempt& attempt);
  void RegisterCallbacks();
  absl::StatusOr<std::vector<v1::Domain>> ListDomains(virConnectPtr conn,
                                                      uint64_t generation,
                                                      bool* lost);
  void Refresh(const std::string& uuid);
  void Teardown();
  void AbandonOpenAttempt();
  template <typename F>
  void Sink(F&& f) {
    absl::MutexLock lock(&sink_mu_);
    if (!sink_closed_ && inventory_ != nullptr) f(*inventory_);
  }

  const LibvirtHostOptions options_;
  Inventory* const inventory_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool worker_done_ ABSL_GUARDED_BY(mu_) = false;
  // The published connection (the worker's reference); FetchDomain takes its
  // own reference while connected_.
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
  std::shared_ptr<OpenAttempt> open_attempt_ ABSL_GUARDED_BY(mu_);

  // Serializes Inventory calls with CloseSink(), so that a worker left behind
  // never touches an Inventory that its owner has destroyed.
  absl::Mutex sink_mu_;
  bool sink_closed_ ABSL_GUARDED_BY(sink_mu_) = false;

  Session session_;
};

// The opaque of every callback registration: freed by libvirt through
// FreeContext once the registration is gone.
struct CallbackContext {
  std::shared_ptr<State> state;
  uint64_t generation;
};

void FreeContext(void* opaque) { delete static_cast<CallbackContext*>(opaque); }

void QueueDomain(virDomainPtr dom, void* opaque, std::string_view event) {
  std::string uuid = DomainUuid(dom);
  if (uuid.empty()) return;
  LogDebug(kLog, "event ", std::string(event), " uuid=", uuid);
  static_cast<CallbackContext*>(opaque)->state->Enqueue(std::move(uuid));
}

int OnLifecycle(virConnectPtr, virDomainPtr dom, int event, int detail,
                void* opaque) {
  QueueDomain(dom, opaque, absl::StrCat("lifecycle/", event, "/", detail));
  return 0;
}

void OnDeviceAdded(virConnectPtr, virDomainPtr dom, const char*, void* opaque) {
  QueueDomain(dom, opaque, "device-added");
}

void OnDeviceRemoved(virConnectPtr, virDomainPtr dom, const char*,
                     void* opaque) {
  QueueDomain(dom, opaque, "device-removed");
}

void OnGraphics(virConnectPtr, virDomainPtr dom, int phase,
                const virDomainEventGraphicsAddress*,
                const virDomainEventGraphicsAddress*, const char*,
                const virDomainEventGraphicsSubject*, void* opaque) {
  QueueDomain(dom, opaque, absl::StrCat("graphics/", phase));
}

void OnMetadataChange(virConnectPtr, virDomainPtr dom, int, const char*,
                      void* opaque) {
  QueueDomain(dom, opaque, "metadata-change");
}

void OnClose(virConnectPtr, int reason, void* opaque) {
  auto* context = static_cast<CloseContext*>(opaque);
  context->state->MarkLost(context->generation, CloseReasonName(reason));
}

struct EventRegistration {
  int id;
  virConnectDomainEventGenericCallback callback;
  const char* name;
};

const EventRegistration kEvents[] = {
    {VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(OnLifecycle),
     "lifecycle"},
    {VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK(OnDeviceAdded),
     "device-added"},
    {VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
     VIR_DOMAIN_EVENT_CALLBACK(OnDeviceRemoved), "device-removed"},
    {VIR_DOMAIN_EVENT_ID_GRAPHICS, VIR_DOMAIN_EVENT_CALLBACK(OnGraphics),
     "graphics"},
    {VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
     VIR_DOMAIN_EVENT_CALLBACK(OnMetadataChange), "metadata-change"},
};

void State::Enqueue(std::string uuid) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  if (queued_.insert(uuid).second) queue_.push_back(std::move(uuid));
}

void State::MarkLost(uint64_t generation, std::string reason) {
  absl::MutexLock lock(&mu_);
  if (generation != generation_ || !lost_reason_.empty()) return;
  lost_reason_ = std::move(reason);
  connected_ = false;
}

bool State::CheckLost(virConnectPtr conn, uint64_t generation, int code) {
  if (!IsConnectionError(code) || virConnectIsAlive(conn) != 0) return false;
  MarkLost(generation, "error");
  return true;
}

absl::StatusOr<virConnectPtr> State::Open() {
  std::shared_ptr<OpenAttempt> attempt;
  virConnectPtr orphan = nullptr;
  absl::StatusOr<virConnectPtr> result;
  {
    absl::MutexLock lock(&mu_);
    // A previous attempt that timed out may still be pending: wait on it
    // again rather than pile up threads blocked on the same hung daemon.
    if (open_attempt_ == nullptr) {
      open_attempt_ = std::make_shared<OpenAttempt>();
      std::thread([self = shared_from_this(), attempt = open_attempt_] {
        self->RunOpenAttempt(*attempt);
      }).detach();
    }
    attempt = open_attempt_;
    auto ready = [this, &attempt]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return attempt->done || stopping_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), options_.open_timeout);
    if (stopping_) {
      if (attempt->done) {
        orphan = attempt->conn;
      } else {
        attempt->abandoned = true;
      }
      open_attempt_ = nullptr;
      result = absl::CancelledError("stopping");
    } else if (!attempt->done) {
      result = absl::DeadlineExceededError(
          absl::StrCat("virConnectOpen did not answer within ",
                       absl::FormatDuration(options_.open_timeout)));
    } else {
      open_attempt_ = nullptr;
      if (attempt->conn != nullptr) {
        result = attempt->conn;
      } else {
        result = absl::UnavailableError(attempt->error);
      }
    }
  }
  if (orphan != nullptr) virConnectClose(orphan);
  return result;
}

void State::RunOpenAttempt(OpenAttempt& attempt) {
  virConnectPtr conn = options_.read_only
                           ? virConnectOpenReadOnly(options_.uri.c_str())
                           : virConnectOpen(options_.uri.c_str());
  std::string error = conn == nullptr ? LastError().message : "";
  bool orphaned = false;
  {
    absl::MutexLock lock(&mu_);
    attempt.done = true;
    orphaned = attempt.abandoned;
    if (!orphaned) {
      attempt.conn = conn;
      attempt.error = std::move(error);
    }
  }
  if (orphaned && conn != nullptr) virConnectClose(conn);
}

void State::AbandonOpenAttempt() {
  virConnectPtr orphan = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (open_attempt_ == nullptr) return;
    if (open_attempt_->done) {
      orphan = open_attempt_->conn;
    } else {
      open_attempt_->abandoned = true;
    }
    open_attempt_ = nullptr;
  }
  if (orphan != nullptr) virConnectClose(orphan);
}

void State::RegisterCallbacks() {
  virConnectPtr conn = session_.conn;
  const uint64_t generation = session_.generation;
  if (options_.keepalive_interval_seconds > 0) {
    int rc = virConnectSetKeepAlive(conn, options_.keepalive_interval_seconds,
                                    options_.keepalive_count);
    if (rc < 0) {
      LibvirtError e = LastError();
      // The in-process drivers (test:///, ...) have no keepalive.
      if (e.code == VIR_ERR_NO_SUPPORT) {
        LogDebug(kLog, "keepalive not supported by ", options_.uri);
      } else {
        LogWarning(kLog, "cannot enable keepalive ",
                   LogField("uri", options_.uri), " ",
                   LogField("error", e.message));
      }
    } else if (rc == 1) {
      LogDebug(kLog, "peer has no keepalive ", LogField("uri", options_.uri));
    }
  }

  std::unique_ptr<CloseContext> close_context(
      new CloseContext{this, generation});
  if (virConnectRegisterCloseCallback(conn, OnClose, close_context.get(),
                                      nullptr) < 0) {
    LogWarning(kLog, "cannot register close callback ",
               LogField("uri", options_.uri), " ",
               LogField("error", LastError().message));
  } else {
    session_.close_context = std::move(close_context);
  }

  for (const EventRegistration& event : kEvents) {
    auto* context = new CallbackContext{shared_from_this(), generation};
    int id = virConnectDomainEventRegisterAny(
        conn, nullptr, event.id, event.callback, context, FreeContext);
    if (id < 0) {
      delete context;
      LogWarning(kLog, "cannot register ", event.name, " events ",
                 LogField("uri", options_.uri), " ",
                 LogField("error", LastError().message));
      continue;
    }
    session_.callback_ids.push_back(id);
  }
}

absl::StatusOr<std::vector<v1::Domain>> State::ListDomains(virConnectPtr conn,
                                                           uint64_t generation,
                                                           bool* lost) {
  *lost = false;
  virDomainPtr* list = nullptr;
  int count = virConnectListAllDomains(conn, &list, 0);
  if (count < 0) {
    LibvirtError e = LastError();
    *lost = CheckLost(conn, generation, e.code);
    return absl::UnavailableError(
        absl::StrCat("virConnectListAllDomains: ", e.message));
  }
  std::vector<DomainHandle> handles;
  handles.reserve(count);
  for (int i = 0; i < count; ++i) handles.emplace_back(list[i]);
  free(list);

  std::vector<v1::Domain> domains;
  domains.reserve(count);
  for (const DomainHandle& dom : handles) {
    int code = VIR_ERR_OK;
    absl::StatusOr<v1::Domain> domain =
        ReadDomain(dom.get(), options_.xml, &code);
    if (domain.ok()) {
      domains.push_back(*std::move(domain));
    } else if (code == VIR_ERR_OK) {
      LogWarning(kLog, "skipping domain with unreadable XML ",
                 LogField("uuid", DomainUuid(dom.get())), " ",
                 LogField("error", std::string(domain.status().message())));
    } else if (code != VIR_ERR_NO_DOMAIN) {  // NO_DOMAIN: gone meanwhile
      *lost = CheckLost(conn, generation, code);
      return domain.status();
    }
  }
  return domains;
}

absl::Status State::Connect() {
  absl::StatusOr<virConnectPtr> opened = Open();
  if (!opened.ok()) return opened.status();
  {
    absl::MutexLock lock(&mu_);
    session_.conn = *opened;
    session_.generation = ++generation_;
    lost_reason_.clear();
  }
  // Callbacks first, listing second: a change between the two is then seen
  // by the listing, or queued, or both.
  RegisterCallbacks();

  std::string hostname;
  if (char* name = virConnectGetHostname(session_.conn); name != nullptr) {
    hostname = name;
    free(name);
  } else {
    LibvirtError e = LastError();
    CheckLost(session_.conn, session_.generation, e.code);
    LogWarning(kLog, "virConnectGetHostname failed ",
               LogField("error", e.message));
  }

  bool lost = false;
  absl::StatusOr<std::vector<v1::Domain>> domains =
      ListDomains(session_.conn, session_.generation, &lost);
  if (!domains.ok()) {
    Teardown();
    return domains.status();
  }
  std::string closed_reason;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      closed_reason = "stopping";
    } else if (!lost_reason_.empty()) {
      closed_reason = lost_reason_;
    } else {
      conn_ = session_.conn;
      connected_ = true;
      hostname_ = hostname;
    }
  }
  if (!closed_reason.empty()) {
    Teardown();
    return absl::UnavailableError(
        absl::StrCat("connection closed during setup (", closed_reason, ")"));
  }
  const size_t count = domains->size();
  Sink([&](Inventory& inventory) {
    inventory.SetHostname(hostname);
    inventory.Replace(*std::move(domains), v1::CHANGE_TYPE_RESYNCED);
  });
  LogInfo(kLog, "connected ", LogField("uri", options_.uri), " ",
          LogField("hostname", hostname));
  LogInfo(kLog, "resynced ", LogField("uri", options_.uri), " domains=", count);
  return absl::OkStatus();
}

void State::Teardown() {
  if (session_.conn == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    if (conn_ == session_.conn) conn_ = nullptr;
    connected_ = false;
    lost_reason_.clear();
    queue_.clear();
    queued_.clear();
  }
  // On a dead connection these fail at once (and still drop the local
  // registrations, which hold references to the connection); on a hung one
  // they wait for keepalive.
  for (int id : session_.callback_ids) {
    virConnectDomainEventDeregisterAny(session_.conn, id);
  }
  if (session_.close_context != nullptr) {
    virConnectUnregisterCloseCallback(session_.conn, OnClose);
  }
  virConnectClose(session_.conn);
  session_ = Session{};
}

void State::Refresh(const std::string& uuid) {
  virConnectPtr conn = session_.conn;
  DomainHandle dom(virDomainLookupByUUIDString(conn, uuid.c_str()));
  if (dom == nullptr) {
    LibvirtError e = LastError();
    if (e.code == VIR_ERR_NO_DOMAIN) {
      Sink([&](Inventory& inventory) { inventory.Remove(uuid); });
    } else if (!CheckLost(conn, session_.generation, e.code)) {
      LogWarning(kLog, "cannot look up domain ", LogField("uuid", uuid), " ",
                 LogField("error", e.message));
    }
    return;
  }
  int code = VIR_ERR_OK;
  absl::StatusOr<v1::Domain> domain =
      ReadDomain(dom.get(), options_.xml, &code);
  if (domain.ok()) {
    Sink([&](Inventory& inventory) { inventory.Upsert(*std::move(domain)); });
  } else if (code == VIR_ERR_NO_DOMAIN) {
    // A transient domain that stopped between the lookup and the read.
    Sink([&](Inventory& inventory) { inventory.Remove(uuid); });
  } else if (code == VIR_ERR_OK) {
    LogWarning(kLog, "skipping domain with unreadable XML ",
               LogField("uuid", uuid), " ",
               LogField("error", std::string(domain.status().message())));
  } else if (!CheckLost(conn, session_.generation, code)) {
    LogWarning(kLog, "cannot read domain ", LogField("uuid", uuid), " ",
               LogField("error", std::string(domain.status().message())));
  }
}

void State::Run() {
  absl::Duration backoff = options_.reconnect_min_backoff;
  for (;;) {
    if (session_.conn == nullptr) {
      {
        absl::MutexLock lock(&mu_);
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
        if (stopping_) break;
      }
      absl::Status status = Connect();
      if (status.ok()) {
        backoff = options_.reconnect_min_backoff;
        continue;
      }
      if (absl::IsCancelled(status)) break;
      backoff = std::min(backoff * 2, options_.reconnect_max_backoff);
      backoff = std::max(backoff, options_.reconnect_min_backoff);
      LogWarning(kLog, "reconnect failed ", LogField("uri", options_.uri), " ",
                 LogField("error", std::string(status.message())),
                 " retry_in=", absl::FormatDuration(backoff));
      continue;
    }

    std::string uuid;
    std::string lost_reason;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !lost_reason_.empty() || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) break;
      if (!lost_reason_.empty()) {
        lost_reason = lost_reason_;
      } else {
        uuid = std::move(queue_.front());
        queue_.pop_front();
        queued_.erase(uuid);
      }
    }
    if (!lost_reason.empty()) {
      Teardown();
      Sink([](Inventory& inventory) { inventory.SetDisconnected(); });
      LogWarning(kLog, "connection lost ", LogField("uri", options_.uri),
                 " reason=", lost_reason);
      backoff = options_.reconnect_min_backoff;
      continue;
    }
    Refresh(uuid);
  }
  Teardown();
  AbandonOpenAttempt();
  absl::MutexLock lock(&mu_);
  worker_done_ = true;
}

bool State::RequestStop(absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  return mu_.AwaitWithTimeout(absl::Condition(&worker_done_), grace);
}

void State::StopWithoutWorker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Teardown();
  AbandonOpenAttempt();
}

absl::StatusOr<std::pair<ConnectHandle, uint64_t>> State::AcquireConnection() {
  absl::MutexLock lock(&mu_);
  if (!connected_ || conn_ == nullptr || stopping_) return Unavailable();
  // A reference of our own, so that a reconnect never frees it under us.
  if (virConnectRef(conn_) < 0) return Unavailable();
  return std::make_pair(ConnectHandle(conn_), generation_);
}

absl::StatusOr<v1::Domain> State::FetchDomain(std::string_view uuid) {
  auto acquired = AcquireConnection();
  if (!acquired.ok()) return acquired.status();
  auto& [conn, generation] = *acquired;
  const std::string id(uuid);
  DomainHandle dom(virDomainLookupByUUIDString(conn.get(), id.c_str()));
  int code = VIR_ERR_OK;
  std::string message;
  if (dom == nullptr) {
    LibvirtError e = LastError();
    code = e.code;
    message = e.message;
  } else {
    absl::StatusOr<v1::Domain> domain =
        ReadDomain(dom.get(), options_.xml, &code);
    if (domain.ok()) return domain;
    if (code == VIR_ERR_OK) {
      return absl::InternalError(absl::StrCat(
          "domain ", id,
          " has XML that cannot be read: ", domain.status().message()));
    }
    message = std::string(domain.status().message());
  }
  if (code == VIR_ERR_NO_DOMAIN) {
    return absl::NotFoundError(absl::StrCat("domain ", id, " not found"));
  }
  if (code == VIR_ERR_INVALID_ARG) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid domain uuid ", id, ": ", message));
  }
  if (CheckLost(conn.get(), generation, code)) return Unavailable();
  if (IsConnectionError(code)) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

absl::StatusOr<std::vector<v1::Domain>> State::FetchAll() {
  auto acquired = AcquireConnection();
  if (!acquired.ok()) return acquired.status();
  auto& [conn, generation] = *acquired;
  bool lost = false;
  absl::StatusOr<std::vector<v1::Domain>> domains =
      ListDomains(conn.get(), generation, &lost);
  if (lost) return Unavailable();
  return domains;
}

}  // namespace

class LibvirtHost::Impl {
 public:
  Impl(LibvirtHostOptions options, Inventory* inventory)
      : state_(std::make_shared<State>(std::move(options), inventory)) {}

  absl::Status Start() {
    absl::MutexLock lock(&lifecycle_mu_);
    if (started_ || stopped_) {
      return absl::FailedPreconditionError("LibvirtHost started twice");
    }
    started_ = true;
    loop_ = EventLoop::Acquire();
    absl::Status status = state_->Connect();
    worker_ = std::thread([state = state_, loop = loop_] { state->Run(); });
    if (!status.ok()) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to libvirt at ", state_->options().uri,
                       ": ", status.message()));
    }
    return absl::OkStatus();
  }

  void Stop() {
    absl::MutexLock lock(&lifecycle_mu_);
    if (stopped_) return;
    stopped_ = true;
    if (!worker_.joinable()) {
      state_->StopWithoutWorker();
    } else if (state_->RequestStop(kStopGrace)) {
      worker_.join();
    } else {
      // Blocked on a hung daemon until keepalive gives up; it holds its own
      // references to everything it touches.
      LogWarning(kLog, "worker did not stop within ",
                 absl::FormatDuration(kStopGrace), ", leaving it behind ",
                 LogField("uri", state_->options().uri));
      worker_.detach();
    }
    state_->CloseSink();
    loop_.reset();
  }

  State& state() { return *state_; }

 private:
  std::shared_ptr<State> state_;
  absl::Mutex lifecycle_mu_;
  bool started_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(lifecycle_mu_) = false;
  std::shared_ptr<EventLoop> loop_ ABSL_GUARDED_BY(lifecycle_mu_);
  std::thread worker_ ABSL_GUARDED_BY(lifecycle_mu_);
};

LibvirtHost::LibvirtHost(LibvirtHostOptions options, Inventory* inventory)
    : impl_(std::make_unique<Impl>(std::move(options), inventory)) {}

LibvirtHost::~LibvirtHost() { Stop(); }

absl::Status LibvirtHost::Start() { return impl_->Start(); }

void LibvirtHost::Stop() { impl_->Stop(); }

absl::StatusOr<v1::Domain> LibvirtHost::FetchDomain(std::string_view uuid) {
  return impl_->state().FetchDomain(uuid);
}

absl::StatusOr<std::vector<v1::Domain>> LibvirtHost::FetchAll() {
  return impl_->state().FetchAll();
}

bool LibvirtHost::connected() const { return impl_->state().connected(); }

std::string LibvirtHost::hostname() const { return impl_->state().hostname(); }

}  // namespace porthole::agent
