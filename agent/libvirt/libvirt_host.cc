#include "agent/libvirt/libvirt_host.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/libvirt/connection_worker.h"
#include "agent/libvirt/domain_reader.h"
#include "agent/libvirt/libvirt_error.h"
#include "agent/libvirt/libvirt_event_loop.h"
#include "agent/libvirt/libvirt_handles.h"
#include "common/logging.h"

namespace porthole::agent {
namespace {

constexpr char kLog[] = "libvirt";
// How long Stop() waits for the worker to deregister and close. A healthy
// daemon answers in milliseconds; a hung one only lets go when keepalive
// gives up, so past this the worker is left to finish on its own.
constexpr absl::Duration kStopGrace = absl::Seconds(1);

}  // namespace

LibvirtHost::LibvirtHost(LibvirtHostOptions options, Inventory* inventory)
    : worker_(
          std::make_shared<ConnectionWorker>(std::move(options), inventory)) {}

LibvirtHost::~LibvirtHost() { Stop(); }

absl::Status LibvirtHost::Start() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (started_ || stopped_) {
    return absl::FailedPreconditionError("LibvirtHost started twice");
  }
  started_ = true;
  // Before the first open: connections use the event implementation that is
  // registered when they are opened.
  loop_ = LibvirtEventLoop::Acquire();
  absl::Status status = worker_->Connect();
  worker_thread_ =
      std::thread([worker = worker_, loop = loop_] { worker->Run(); });
  if (!status.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot connect to libvirt at ",
                                               worker_->options().uri, ": ",
                                               status.message()));
  }
  return absl::OkStatus();
}

void LibvirtHost::Stop() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  if (!worker_thread_.joinable()) {
    worker_->StopWithoutWorker();
  } else if (worker_->RequestStop(kStopGrace)) {
    worker_thread_.join();
  } else {
    // Blocked on a hung daemon until keepalive gives up; it holds its own
    // references to everything it touches.
    LogWarning(kLog, "worker did not stop within ",
               absl::FormatDuration(kStopGrace), ", leaving it behind ",
               LogField("uri", worker_->options().uri));
    worker_thread_.detach();
  }
  worker_->CloseSink();
  loop_.reset();
}

absl::StatusOr<v1::Domain> LibvirtHost::FetchDomain(std::string_view uuid,
                                                    std::string* xml) {
  absl::StatusOr<ConnectionWorker::ConnectionRef> ref =
      worker_->AcquireConnection();
  if (!ref.ok()) return ref.status();
  virConnectPtr conn = ref->conn.get();
  const std::string id(uuid);
  const DomainHandle dom(virDomainLookupByUUIDString(conn, id.c_str()));
  absl::StatusOr<v1::Domain> domain =
      dom != nullptr ? ReadDomain(dom.get(), worker_->options().xml, xml)
                     : absl::StatusOr<v1::Domain>(LastLibvirtError());
  if (domain.ok()) return domain;
  const absl::Status& error = domain.status();
  switch (LibvirtErrorCode(error)) {
    case VIR_ERR_OK:  // libvirt answered; our parser refused the XML
      return absl::InternalError(absl::StrCat(
          "domain ", id, " has XML that cannot be read: ", error.message()));
    case VIR_ERR_NO_DOMAIN:
      return absl::NotFoundError(absl::StrCat("domain ", id, " not found"));
    case VIR_ERR_INVALID_ARG:
      return absl::InvalidArgumentError(
          absl::StrCat("invalid domain uuid ", id, ": ", error.message()));
    default:
      if (worker_->CheckLost(conn, ref->generation, LibvirtErrorCode(error))) {
        return worker_->Unavailable();
      }
      // UNAVAILABLE for a connection-class error, else INTERNAL.
      return absl::Status(error.code(), error.message());
  }
}

absl::StatusOr<std::vector<v1::Domain>> LibvirtHost::FetchAll() {
  absl::StatusOr<ConnectionWorker::ConnectionRef> ref =
      worker_->AcquireConnection();
  if (!ref.ok()) return ref.status();
  virConnectPtr conn = ref->conn.get();
  absl::StatusOr<std::vector<v1::Domain>> domains =
      ReadAllDomains(conn, worker_->options().xml);
  if (domains.ok()) return domains;
  if (worker_->CheckLost(conn, ref->generation,
                         LibvirtErrorCode(domains.status()))) {
    return worker_->Unavailable();
  }
  // A listing that failed part way is worth retrying, whatever the cause.
  return absl::UnavailableError(domains.status().message());
}

bool LibvirtHost::connected() const { return worker_->connected(); }

std::string LibvirtHost::hostname() const { return worker_->hostname(); }

}  // namespace porthole::agent
