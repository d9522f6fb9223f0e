#include "controller/metrics/instrumented_token_store.h"

#include <utility>

namespace porthole::controller {

InstrumentedTokenStore::InstrumentedTokenStore(
    std::unique_ptr<TokenStore> store, std::string backend,
    ControllerMetrics* metrics)
    : store_(std::move(store)),
      backend_(std::move(backend)),
      metrics_(metrics) {}

void InstrumentedTokenStore::Observe(std::string_view operation,
                                     absl::Time started, bool ok) {
  metrics_->ObserveStoreOperation(backend_, operation, absl::Now() - started,
                                  ok);
}

absl::Status InstrumentedTokenStore::Insert(const ConsoleAuthRecord& record) {
  const absl::Time started = absl::Now();
  absl::Status status = store_->Insert(record);
  Observe("insert", started, status.ok());
  return status;
}

absl::StatusOr<std::optional<ConsoleAuthRecord>>
InstrumentedTokenStore::FindValid(std::string_view token_hash, int64_t now) {
  const absl::Time started = absl::Now();
  absl::StatusOr<std::optional<ConsoleAuthRecord>> found =
      store_->FindValid(token_hash, now);
  Observe("find_valid", started, found.ok());
  return found;
}

absl::StatusOr<bool> InstrumentedTokenStore::MarkUsed(
    std::string_view token_hash, int64_t now) {
  const absl::Time started = absl::Now();
  absl::StatusOr<bool> marked = store_->MarkUsed(token_hash, now);
  Observe("mark_used", started,
          marked.ok() || absl::IsNotFound(marked.status()));
  return marked;
}

absl::StatusOr<int> InstrumentedTokenStore::DeleteForInstance(
    std::string_view uuid) {
  const absl::Time started = absl::Now();
  absl::StatusOr<int> deleted = store_->DeleteForInstance(uuid);
  Observe("delete_for_instance", started, deleted.ok());
  return deleted;
}

absl::StatusOr<int> InstrumentedTokenStore::PurgeExpired(int64_t now) {
  const absl::Time started = absl::Now();
  absl::StatusOr<int> purged = store_->PurgeExpired(now);
  Observe("purge_expired", started, purged.ok());
  return purged;
}

void InstrumentedTokenStore::SetRevocationListener(
    RevocationListener listener) {
  store_->SetRevocationListener(std::move(listener));
}

std::string TokenStoreBackend(std::string_view store_url) {
  return store_url.starts_with("etcd://") || store_url.starts_with("etcds://")
             ? "etcd"
             : "sqlite";
}

}  // namespace porthole::controller
