#include "agent/libvirt/connection_worker.h"

#include <libvirt/virterror.h>

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/domain/inventory.h"
#include "agent/libvirt/domain_reader.h"
#include "agent/libvirt/libvirt_error.h"
#include "common/logging.h"

namespace porthole::agent {
namespace {

constexpr char kLog[] = "libvirt";

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

// The opaque of every event registration: freed by libvirt through
// FreeContext once the registration is gone. It holds the worker alive.
struct CallbackContext {
  std::shared_ptr<ConnectionWorker> worker;
  uint64_t generation;
};

void FreeContext(void* opaque) { delete static_cast<CallbackContext*>(opaque); }

void QueueDomain(virDomainPtr dom, void* opaque, std::string_view event) {
  std::string uuid = DomainUuid(dom);
  if (uuid.empty()) return;
  LogDebug(kLog, "event ", std::string(event), " uuid=", uuid);
  static_cast<CallbackContext*>(opaque)->worker->Enqueue(std::move(uuid));
}

void OnHeartbeatTick(int /*timer*/, void* opaque) {
  static_cast<CallbackContext*>(opaque)->worker->Enqueue(
      ConnectionWorker::kHeartbeat);
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

}  // namespace

ConnectionWorker::ConnectionWorker(LibvirtHostOptions options,
                                   Inventory* inventory)
    : options_(std::move(options)),
      inventory_(inventory),
      opener_(options_.uri, options_.read_only) {}

void ConnectionWorker::Enqueue(std::string uuid) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  if (queued_.insert(uuid).second) queue_.push_back(std::move(uuid));
}

void ConnectionWorker::MarkLost(uint64_t generation, std::string reason) {
  absl::MutexLock lock(&mu_);
  if (generation != generation_ || !lost_reason_.empty()) return;
  lost_reason_ = std::move(reason);
  connected_ = false;
}

bool ConnectionWorker::CheckLost(virConnectPtr conn, uint64_t generation,
                                 int code) {
  if (!IsLibvirtConnectionError(code) || virConnectIsAlive(conn) != 0) {
    return false;
  }
  MarkLost(generation, "error");
  return true;
}

absl::Status ConnectionWorker::Unavailable() const {
  return absl::UnavailableError(
      absl::StrCat("libvirt connection to ", options_.uri, " is down"));
}

bool ConnectionWorker::connected() const {
  absl::MutexLock lock(&mu_);
  return connected_;
}

std::string ConnectionWorker::hostname() const {
  absl::MutexLock lock(&mu_);
  return hostname_;
}

void ConnectionWorker::CloseSink() {
  absl::MutexLock lock(&sink_mu_);
  sink_closed_ = true;
}

void ConnectionWorker::Sink(const std::function<void(Inventory&)>& f) {
  absl::MutexLock lock(&sink_mu_);
  if (!sink_closed_ && inventory_ != nullptr) f(*inventory_);
}

void ConnectionWorker::RegisterCallbacks() {
  virConnectPtr conn = session_.conn.get();
  const uint64_t generation = session_.generation;
  if (options_.keepalive_interval_seconds > 0) {
    int rc = virConnectSetKeepAlive(conn, options_.keepalive_interval_seconds,
                                    options_.keepalive_count);
    if (rc < 0) {
      const absl::Status error = LastLibvirtError();
      // The in-process drivers (test:///, ...) have no keepalive.
      if (LibvirtErrorCode(error) == VIR_ERR_NO_SUPPORT) {
        LogDebug(kLog, "keepalive not supported by ", options_.uri);
      } else {
        LogWarning(kLog, "cannot enable keepalive ",
                   LogField("uri", options_.uri), " ",
                   LogField("error", std::string(error.message())));
      }
    } else if (rc == 1) {
      LogDebug(kLog, "peer has no keepalive ", LogField("uri", options_.uri));
    }
  }

  auto close_context = std::make_unique<CloseContext>(
      CloseContext{.worker = this, .generation = generation});
  if (virConnectRegisterCloseCallback(conn, OnClosed, close_context.get(),
                                      nullptr) < 0) {
    LogWarning(kLog, "cannot register close callback ",
               LogField("uri", options_.uri), " ",
               LogField("error", std::string(LastLibvirtError().message())));
  } else {
    session_.close_context = std::move(close_context);
  }

  for (const EventRegistration& event : kEvents) {
    auto context = std::make_unique<CallbackContext>(CallbackContext{
        .worker = shared_from_this(), .generation = generation});
    const int id = virConnectDomainEventRegisterAny(
        conn, nullptr, event.id, event.callback, context.get(), FreeContext);
    if (id < 0) {
      LogWarning(kLog, "cannot register ", event.name, " events ",
                 LogField("uri", options_.uri), " ",
                 LogField("error", std::string(LastLibvirtError().message())));
      continue;
    }
    // Registered: libvirt owns the context now and frees it via FreeContext.
    [[maybe_unused]] CallbackContext* owned_by_libvirt = context.release();
    session_.callback_ids.push_back(id);
  }
  StartHeartbeat();
}

void ConnectionWorker::StartHeartbeat() {
  const int64_t ms = absl::ToInt64Milliseconds(options_.heartbeat_interval);
  if (ms <= 0) return;
  // A timer of libvirt's event loop, the thread that delivers the domain
  // events: its tick is queued behind every event delivered before it.
  auto context = std::make_unique<CallbackContext>(CallbackContext{
      .worker = shared_from_this(), .generation = session_.generation});
  const int id = virEventAddTimeout(
      static_cast<int>(std::min<int64_t>(ms, std::numeric_limits<int>::max())),
      OnHeartbeatTick, context.get(), FreeContext);
  if (id < 0) {
    LogWarning(kLog, "cannot start the heartbeat timer ",
               LogField("uri", options_.uri));
    return;
  }
  [[maybe_unused]] CallbackContext* owned_by_libvirt = context.release();
  session_.heartbeat_timer = id;
}

absl::Status ConnectionWorker::Connect() {
  absl::StatusOr<ConnectHandle> opened = opener_.Open(options_.open_timeout);
  if (!opened.ok()) return opened.status();
  {
    absl::MutexLock lock(&mu_);
    session_.conn = *std::move(opened);
    session_.generation = ++generation_;
    lost_reason_.clear();
  }
  virConnectPtr conn = session_.conn.get();
  // Callbacks first, listing second: a change between the two is then seen
  // by the listing, or queued, or both.
  RegisterCallbacks();

  std::string hostname;
  if (const LibvirtString name(virConnectGetHostname(conn)); name != nullptr) {
    hostname = name.get();
  } else {
    const absl::Status error = LastLibvirtError();
    CheckLost(conn, session_.generation, LibvirtErrorCode(error));
    LogWarning(kLog, "virConnectGetHostname failed ",
               LogField("error", std::string(error.message())));
  }

  absl::StatusOr<std::vector<v1::Domain>> domains =
      ReadAllDomains(conn, options_.xml);
  if (!domains.ok()) {
    CheckLost(conn, session_.generation, LibvirtErrorCode(domains.status()));
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
      conn_ = conn;
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

void ConnectionWorker::Teardown() {
  if (session_.conn == nullptr) return;
  virConnectPtr conn = session_.conn.get();
  {
    absl::MutexLock lock(&mu_);
    if (conn_ == conn) conn_ = nullptr;
    connected_ = false;
    lost_reason_.clear();
    queue_.clear();
    queued_.clear();
  }
  // On a dead connection these fail at once (and still drop the local
  // registrations, which hold references to the connection); on a hung one
  // they wait for keepalive.
  for (int id : session_.callback_ids) {
    virConnectDomainEventDeregisterAny(conn, id);
  }
  if (session_.close_context != nullptr) {
    virConnectUnregisterCloseCallback(conn, OnClosed);
  }
  if (session_.heartbeat_timer >= 0) {
    virEventRemoveTimeout(session_.heartbeat_timer);
  }
  session_.conn.reset();  // before the close context goes
  session_ = Session{};
}

void ConnectionWorker::Refresh(const std::string& uuid) {
  virConnectPtr conn = session_.conn.get();
  const DomainHandle dom(virDomainLookupByUUIDString(conn, uuid.c_str()));
  absl::StatusOr<v1::Domain> domain =
      dom != nullptr ? ReadDomain(dom.get(), options_.xml)
                     : absl::StatusOr<v1::Domain>(LastLibvirtError());
  const int code = LibvirtErrorCode(domain.status());
  if (domain.ok()) {
    Sink([&](Inventory& inventory) { inventory.Upsert(*std::move(domain)); });
  } else if (code == VIR_ERR_NO_DOMAIN) {
    // Gone; or a transient domain that stopped between lookup and read.
    Sink([&](Inventory& inventory) { inventory.Remove(uuid); });
  } else if (code == VIR_ERR_OK) {
    LogWarning(kLog, "skipping domain with unreadable XML ",
               LogField("uuid", uuid), " ",
               LogField("error", std::string(domain.status().message())));
  } else if (!CheckLost(conn, session_.generation, code)) {
    LogWarning(
        kLog, dom == nullptr ? "cannot look up domain " : "cannot read domain ",
        LogField("uuid", uuid), " ",
        LogField("error", std::string(domain.status().message())));
  }
}

void ConnectionWorker::Run() {
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
    if (uuid == kHeartbeat) {
      Sink([](Inventory& inventory) { inventory.Heartbeat(); });
    } else {
      Refresh(uuid);
    }
  }
  Teardown();
  opener_.Cancel();
  absl::MutexLock lock(&mu_);
  worker_done_ = true;
}

bool ConnectionWorker::RequestStop(absl::Duration grace) {
  // Wakes a Connect() blocked on a hung daemon's open.
  opener_.Cancel();
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  return mu_.AwaitWithTimeout(absl::Condition(&worker_done_), grace);
}

void ConnectionWorker::StopWithoutWorker() {
  opener_.Cancel();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  Teardown();
}

absl::StatusOr<ConnectionWorker::ConnectionRef>
ConnectionWorker::AcquireConnection() {
  absl::MutexLock lock(&mu_);
  if (!connected_ || conn_ == nullptr || stopping_) return Unavailable();
  if (virConnectRef(conn_) < 0) return Unavailable();
  return ConnectionRef{.conn = ConnectHandle(conn_), .generation = generation_};
}

void ConnectionWorker::OnClosed(virConnectPtr, int reason, void* opaque) {
  const auto* context = static_cast<const CloseContext*>(opaque);
  context->worker->MarkLost(context->generation, CloseReasonName(reason));
}

}  // namespace porthole::agent
