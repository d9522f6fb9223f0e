// A TokenStore that times every call of the store it wraps.
#ifndef PORTHOLE_CONTROLLER_METRICS_INSTRUMENTED_TOKEN_STORE_H_
#define PORTHOLE_CONTROLLER_METRICS_INSTRUMENTED_TOKEN_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controller/metrics/controller_metrics.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// Forwards every call to `store` (which it owns) and reports how long it
// took and whether it failed to `metrics`, labelled with `backend`
// ("sqlite", "etcd") and the operation (insert, find_valid, mark_used,
// delete_for_instance, purge_expired). A FindValid or MarkUsed that answers
// "no such token" is a success: only a store fault counts as an error.
// Thread-safe as the wrapped store is; `metrics` must outlive it.
class InstrumentedTokenStore : public TokenStore {
 public:
  InstrumentedTokenStore(std::unique_ptr<TokenStore> store, std::string backend,
                         ControllerMetrics* metrics);

  absl::Status Insert(const ConsoleAuthRecord& record) override;
  absl::StatusOr<std::optional<ConsoleAuthRecord>> FindValid(
      std::string_view token_hash, int64_t now) override;
  absl::StatusOr<bool> MarkUsed(std::string_view token_hash,
                                int64_t now) override;
  absl::StatusOr<int> DeleteForInstance(std::string_view uuid) override;
  absl::StatusOr<int> PurgeExpired(int64_t now) override;
  void SetRevocationListener(RevocationListener listener) override;

 private:
  void Observe(std::string_view operation, absl::Time started, bool ok);

  std::unique_ptr<TokenStore> store_;
  const std::string backend_;
  ControllerMetrics* metrics_;
};

// "etcd" for an etcd:// or etcds:// [consoleauth] store, else "sqlite".
std::string TokenStoreBackend(std::string_view store_url);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_METRICS_INSTRUMENTED_TOKEN_STORE_H_
