#include "agent/service/console_agent_service.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "agent/console_log/console_log_reader.h"
#include "agent/domain/console_log_source.h"
#include "common/logging.h"
#include "porthole/agent/v1/contract.h"

namespace porthole::agent {
namespace {

std::string RequestId(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(v1::kRequestIdMetadataKey);
  if (it == metadata.end()) return "-";
  return std::string(it->second.data(), it->second.size());
}

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

// One WatchDomains stream. Inventory listeners queue changes; one write is in
// flight at a time. Deletes itself in OnDone.
class WatchReactor : public grpc::ServerWriteReactor<v1::WatchDomainsResponse> {
 public:
  WatchReactor(Inventory* inventory, size_t max_queued)
      : inventory_(inventory), max_queued_(max_queued) {
    v1::WatchDomainsResponse snapshot;
    listener_id_ = inventory_->Subscribe(
        [this](const v1::WatchDomainsResponse& change) { Enqueue(change); },
        &snapshot);
    absl::MutexLock lock(&mu_);
    // Changes that arrived since Subscribe are newer than the snapshot.
    queue_.push_front(std::move(snapshot));
    WriteNextLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (finished_) {
      Finish(final_status_);  // deferred until the write was done
      return;
    }
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    queue_.pop_front();
    WriteNextLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    inventory_->Unsubscribe(listener_id_);
    delete this;
  }

 private:
  void Enqueue(const v1::WatchDomainsResponse& change) {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (queue_.size() >= max_queued_) {
      LogWarning("service", "WatchDomains client too slow, ending its stream ",
                 LogField("queued", std::to_string(queue_.size())));
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                "watcher fell too far behind; watch again"));
      return;
    }
    queue_.push_back(change);
    WriteNextLocked();
  }

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_ || queue_.empty()) return;
    writing_ = true;
    StartWrite(&queue_.front());
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    // One operation at a time: with a write in flight, OnWriteDone finishes.
    if (writing_) {
      final_status_ = status;
      return;
    }
    Finish(status);
  }

  Inventory* const inventory_;
  const size_t max_queued_;
  uint64_t listener_id_ = 0;
  absl::Mutex mu_;
  std::deque<v1::WatchDomainsResponse> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

ConsoleAgentService::ConsoleAgentService(Inventory* inventory,
                                         LibvirtHost* host,
                                         size_t max_queued_changes)
    : inventory_(inventory),
      host_(host),
      max_queued_changes_(max_queued_changes) {}

grpc::ServerUnaryReactor* ConsoleAgentService::ListDomains(
    grpc::CallbackServerContext* context,
    const v1::ListDomainsRequest* /*request*/,
    v1::ListDomainsResponse* response) {
  *response = inventory_->List();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::Status ConsoleAgentService::GetConsole(
    grpc::ServerContext* context, const v1::GetConsoleRequest* request,
    v1::GetConsoleResponse* response) {
  const std::string request_id = RequestId(*context);
  const std::string protocol = v1::Protocol_Name(request->protocol());
  auto log = [&](std::string_view outcome) {
    LogInfo("service", "GetConsole ", LogField("request_id", request_id), " ",
            LogField("uuid", request->uuid()), " ",
            LogField("protocol", protocol), " ", LogField("result", outcome));
  };
  if (request->protocol() == v1::PROTOCOL_UNSPECIFIED) {
    // Refused before any libvirt call, by the contract's own rule.
    log("invalid protocol");
    return ToGrpc(
        v1::AnswerGetConsole(v1::Domain(), request->protocol()).status());
  }
  absl::StatusOr<v1::Domain> domain = host_->FetchDomain(request->uuid());
  if (!domain.ok()) {
    log(std::string(domain.status().message()));
    return ToGrpc(domain.status());
  }
  absl::StatusOr<v1::GetConsoleResponse> answer =
      v1::AnswerGetConsole(*std::move(domain), request->protocol());
  if (!answer.ok()) {
    log(std::string(answer.status().message()));
    return ToGrpc(answer.status());
  }
  log(answer->has_console() ? "ok" : "no such console");
  *response = *std::move(answer);
  return grpc::Status::OK;
}

grpc::Status ConsoleAgentService::TailConsoleLog(
    grpc::ServerContext* context, const v1::TailConsoleLogRequest* request,
    v1::TailConsoleLogResponse* response) {
  const std::string request_id = RequestId(*context);
  auto log = [&](std::string_view outcome) {
    LogInfo("service", "TailConsoleLog ", LogField("request_id", request_id),
            " ", LogField("uuid", request->uuid()), " ",
            LogField("result", outcome));
  };
  std::string xml;
  absl::StatusOr<v1::Domain> domain = host_->FetchDomain(request->uuid(), &xml);
  if (!domain.ok()) {
    log(std::string(domain.status().message()));
    return ToGrpc(domain.status());
  }
  // The path comes from the live XML only; the request names the domain.
  absl::StatusOr<std::optional<std::string>> path =
      ReadConsoleLogPath(xml, DomainXmlOptions());
  if (!path.ok()) {
    log(std::string(path.status().message()));
    return ToGrpc(absl::InternalError(path.status().message()));
  }
  if (!path->has_value()) {
    log("no console log");
    response->set_console_available(false);
    return grpc::Status::OK;
  }
  const uint64_t max_bytes =
      request->max_bytes() == 0
          ? v1::kMaxConsoleLogBytes
          : std::min<uint64_t>(request->max_bytes(), v1::kMaxConsoleLogBytes);
  absl::StatusOr<LogTail> tail = ReadConsoleLogTail(**path, max_bytes);
  if (!tail.ok()) {
    LogWarning("service", "TailConsoleLog cannot read the console log ",
               LogField("request_id", request_id), " ",
               LogField("uuid", request->uuid()), " ",
               LogField("error", std::string(tail.status().message())));
    return ToGrpc(tail.status());
  }
  const std::optional<int64_t> max_lines =
      request->has_max_lines() ? std::optional<int64_t>(request->max_lines())
                               : std::nullopt;
  response->set_console_available(true);
  response->set_output(std::string(v1::TailLines(tail->bytes, max_lines)));
  response->set_truncated_bytes(tail->truncated_bytes);
  log(absl::StrCat("ok, ", response->output().size(), " bytes"));
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<v1::WatchDomainsResponse>*
ConsoleAgentService::WatchDomains(grpc::CallbackServerContext* context,
                                  const v1::WatchDomainsRequest* /*request*/) {
  LogInfo("service", "WatchDomains started ",
          LogField("peer", context->peer()));
  return new WatchReactor(inventory_, max_queued_changes_);
}

}  // namespace porthole::agent
